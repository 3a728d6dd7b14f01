-- The process that claimed a key names its liveness lock (a session advisory lock it holds
-- for its lifetime): a claim whose process is gone (kill -9) is taken over at once by a retry
-- instead of answering "in progress" until it goes stale.
ALTER TABLE idempotency_keys ADD COLUMN owner_lock int8;
