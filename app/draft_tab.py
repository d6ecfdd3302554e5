"""The app's "Draft a response" tab (placeholder until the drafting feature lands)."""


def build_draft_tab(service) -> None:
    """Build the tab's components; call inside a `gr.Tab` context."""
    import gradio as gr

    gr.Markdown("Drafting PCC responses is not available yet.")
