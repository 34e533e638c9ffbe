DROP TABLE episodes;
DROP TABLE series;
