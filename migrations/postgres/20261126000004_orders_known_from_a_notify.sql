-- An order DANA notified us of before the merchant's own system sent it has no customer or item
-- yet: those columns may be empty (NULL) until a later API call or CSV row fills them in. Their
-- length checks still hold for every value given.
ALTER TABLE orders ALTER COLUMN customer_name DROP NOT NULL;
ALTER TABLE orders ALTER COLUMN customer_phone_masked DROP NOT NULL;
ALTER TABLE orders ALTER COLUMN item_description DROP NOT NULL;
