DROP TABLE download_history;
