SELECT count(*) FROM (SELECT gen_random_uuid()::varchar FROM generate_series(1,40)) AS ids;
