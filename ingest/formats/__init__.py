"""One loader per file format, each returning a LoadedFile."""
