"""Records in: the article model, parsing and repair of record files, scanning, URLs, selection."""
