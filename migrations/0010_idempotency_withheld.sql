-- Answers that carry a secret (sessions, new tokens) are no longer stored with their
-- Idempotency-Key: only that the request succeeded. Answers stored before this release that
-- hold such a secret are removed (their keys then run again, which for a log-in or a token
-- mint means a new session or token, never a second money movement).
ALTER TABLE idempotency_keys ADD COLUMN withheld boolean NOT NULL DEFAULT false;
DELETE FROM idempotency_keys
 WHERE surface IN ('mycfo', 'ledgy')
   AND (response_body LIKE '%access_token%' OR response_body LIKE '%accessToken%' OR response_body LIKE '%lgpat\_%');
