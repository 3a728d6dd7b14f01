-- Ledgy categories, groups and budgets: soft-deleting a category group clears categoryGroupId
-- on its categories, and deleting a group (or removing a member) makes its budgets personal;
-- these find the rows to change without scanning every user's.
CREATE INDEX ledgy_categories_group ON ledgy_categories (org_id, category_group_id) WHERE category_group_id IS NOT NULL;
CREATE INDEX ledgy_budgets_group ON ledgy_budgets (org_id, group_id) WHERE group_id IS NOT NULL;
