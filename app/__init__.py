"""Answers, drafts, the command line and the Gradio app."""
