"""Finding passages: the fusion of dense and BM25, the sentence rerank, the LangChain retriever."""
