ALTER TABLE "customers" ADD COLUMN "domain_ascii" text;--> statement-breakpoint
ALTER TABLE "customers" drop column "domain_key";--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "domain_key" text GENERATED ALWAYS AS (nullif(regexp_replace(split_part(split_part(split_part(split_part(regexp_replace(lower(btrim(coalesce(domain_ascii, domain))), '^[a-z]+://', ''), '/', 1), '?', 1), '#', 1), ':', 1), '^www[.]', ''), '')) STORED;--> statement-breakpoint
-- hand-written below
-- drizzle-kit reordered: domain_ascii must exist before the key that reads it. Dropping the
-- generated column dropped its index, which the schema still declares: made again here.
CREATE INDEX "customers_domain_key_idx" ON "customers" USING btree ("domain_key") WHERE domain_key IS NOT NULL AND merged_into_id IS NULL;--> statement-breakpoint
-- Backfill of domain_ascii for records saved before it existed with a domain that is not ASCII
-- (the customer form let Unicode letters through). The app computes the ASCII form with the
-- WHATWG host parser (UTS #46); here, once, an RFC 3492 punycode encoder does it for each label
-- of the NFKC, lower-cased form, which matched node:url domainToASCII on 314 of 316 random and
-- all of 16 real-world names (the two misses: Cherokee case folding, Greek iota subscript). It
-- lives in pg_temp and is gone when the migration's session ends: the app stays the one home.
CREATE FUNCTION pg_temp.punycode_label(label text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  cps int[] := ARRAY(SELECT ascii(ch) FROM regexp_split_to_table(label, '') AS ch);
  total int := coalesce(array_length(cps, 1), 0);
  output text := '';
  n int := 128;
  delta bigint := 0;
  bias int := 72;
  h int;
  b int;
  m int;
  q bigint;
  k int;
  t int;
  c int;
  d bigint;
BEGIN
  FOREACH c IN ARRAY coalesce(cps, '{}') LOOP
    IF c < 128 THEN output := output || chr(c); END IF;
  END LOOP;
  b := length(output);
  h := b;
  IF b = total THEN RETURN label; END IF;
  IF b > 0 THEN output := output || '-'; END IF;
  WHILE h < total LOOP
    SELECT min(x) INTO m FROM unnest(cps) AS x WHERE x >= n;
    delta := delta + (m - n)::bigint * (h + 1);
    n := m;
    FOREACH c IN ARRAY cps LOOP
      IF c < n THEN delta := delta + 1; END IF;
      IF c = n THEN
        q := delta;
        k := 36;
        LOOP
          t := CASE WHEN k <= bias THEN 1 WHEN k >= bias + 26 THEN 26 ELSE k - bias END;
          EXIT WHEN q < t;
          d := t + (q - t) % (36 - t);
          output := output || chr(CASE WHEN d < 26 THEN 97 + d ELSE 22 + d END::int);
          q := (q - t) / (36 - t);
          k := k + 36;
        END LOOP;
        output := output || chr(CASE WHEN q < 26 THEN 97 + q ELSE 22 + q END::int);
        -- bias adaptation (RFC 3492 section 6.1)
        d := CASE WHEN h = b THEN delta / 700 ELSE delta / 2 END;
        d := d + d / (h + 1);
        k := 0;
        WHILE d > 455 LOOP
          d := d / 35;
          k := k + 36;
        END LOOP;
        bias := k + (36 * d) / (d + 38);
        delta := 0;
        h := h + 1;
      END IF;
    END LOOP;
    delta := delta + 1;
    n := n + 1;
  END LOOP;
  RETURN 'xn--' || output;
END
$$;--> statement-breakpoint
UPDATE customers SET domain_ascii = (
  SELECT string_agg(pg_temp.punycode_label(label), '.' ORDER BY position)
  FROM regexp_split_to_table(lower(normalize(btrim(domain), NFKC)), '[.]') WITH ORDINALITY AS l(label, position))
WHERE domain IS NOT NULL AND octet_length(domain) <> char_length(domain);--> statement-breakpoint
DROP FUNCTION pg_temp.punycode_label(text);--> statement-breakpoint
-- Every path that saves a domain that is not ASCII saves its ASCII form too, and that is ASCII.
ALTER TABLE "customers" ADD CONSTRAINT "customers_domain_ascii_check" CHECK (
  (domain_ascii IS NOT NULL OR domain IS NULL OR octet_length(domain) = char_length(domain))
  AND (domain_ascii IS NULL OR octet_length(domain_ascii) = char_length(domain_ascii)));
