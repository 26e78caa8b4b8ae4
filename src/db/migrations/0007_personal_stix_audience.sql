-- Art. 12: the STIX objects derived from an indicator whose value is personal information (an
-- e-mail address, a phone number, a broadband account) are stored for the TLP:AMBER audience at
-- least, so the TLP:GREEN collection and every unit no longer serve them (stix.service.ts
-- storedAudienceTlp). Objects derived before are moved to that audience here; their JSON, with its
-- own TLP marking, is unchanged.
UPDATE stix_objects s SET tlp = 'amber'
FROM indicators i
WHERE s.source = 'platform'
  AND s.source_key = 'indicator:' || i.id
  AND i.type IN ('email', 'phone', 'broadband_account')
  AND s.tlp IN ('clear', 'green');
