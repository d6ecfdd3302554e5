"""One tab of the app served on 127.0.0.1 and reached through gradio_client, as an API user would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def tab_client(title: str, build: Callable[[], object]) -> Iterator:
    """A gradio_client Client for an app holding only the tab `build` lays out."""
    import gradio as gr
    from gradio_client import Client

    with gr.Blocks() as app:
        with gr.Tab(title):
            build()
    app.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(app.local_url, verbose=False)
    finally:
        app.close()
