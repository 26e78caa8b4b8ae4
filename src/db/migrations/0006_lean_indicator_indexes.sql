-- Bulk intake writes every new indicator into each index of the table, and each index entry costs
-- about as much as a sixth of the row (measured on 950,000 rows: 1.5 s for (province_code, status),
-- 0.5 s for the reversed-domain index, against 4.5 s for the heap and the two keys). Neither earned
-- its cost: province filters on indicators always come with other conditions and a LIMIT by id
-- (the search, a unit's feed, where the province is one branch of an OR), and the reversed-name
-- index served only the exclusion list's subdomain rule, an administrator's rare action that a
-- scan of the domains answers.
DROP INDEX IF EXISTS indicators_province_status;
DROP INDEX IF EXISTS indicators_domain_reverse;
