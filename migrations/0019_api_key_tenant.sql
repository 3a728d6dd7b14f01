-- A key may be bound to one tenant of its app (billing's X-Tenant-ID): requests with it act
-- for that tenant only. Null: the key acts for the whole app.
ALTER TABLE api_keys ADD COLUMN tenant text;
