-- Metering at ingest speed (issue 13, decision 0033): the index on (org, mode, tenant, feature,
-- at) cost about a fifth of the database's CPU per stored event (measured: 18.4 → 12.6–15.5 µs
-- a row without it). The reads it served (one feature's usage over a period, its history
-- buckets) now range-scan the primary key (org, mode, tenant, at, id) over the period and
-- filter the feature: they read the tenant's other features' rows of that period too, which a
-- tenant's handful of features keeps to a small factor, and fetch each row for its quantity
-- either way. The reads that serve entitlement checks and invoices sum every feature at once.
DROP INDEX billing_usage_events_feature;
