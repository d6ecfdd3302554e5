"""The Gradio app: its handlers, one module per tab, rendering and page images."""
