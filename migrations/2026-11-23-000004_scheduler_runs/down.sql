DROP TABLE scheduler_runs;
