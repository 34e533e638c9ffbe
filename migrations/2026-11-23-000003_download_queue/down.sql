DROP TABLE download_queue;
