"""Turn files (PDF, DOCX, HTML, text) into typed documents and chunks."""
