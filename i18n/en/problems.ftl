# The messages of problems (the detail of each reason code), in English: what the checks write in
# the machine formats, `--report` and, under --lang en, everywhere (SPEC §12). Every key is also in
# i18n/tr/problems.ftl (a test checks), and each key's arguments are declared in
# src/record/message.rs (a test checks every one is shown).
# Values ($value, $char, $time …) are shown as they are: quoted and escaped input values, code
# points (U+200B), Netmera timestamps. Numbers ($length, $count …) come grouped (70,000).
# These texts are rendered once per key with placeholders and then filled in (9M problems are
# written at ~1M rows/s): write no selector (`{ $x -> … }`) on an argument.

## Notes a fix adds after its own text (joined with "; ")
problem-note-quotes = quotes removed
problem-note-trimmed = surrounding whitespace trimmed
# After the text of an invalid value that holds an invisible character.
problem-invisible-hint = {" "}(it contains the invisible character { $char }; remove it)

## The row
problem-invalid-encoding = the row is not valid UTF-8 (the hint after the summary says how to read a legacy export)
problem-line-too-long = the line is { $length } bytes long, more than a consent row can be (64 KiB); it was skipped — check that the file is a consent export and that its line ends are intact
problem-unbalanced-quote = field { $column } has a quote that is not closed (or text after its closing quote); close the quote — this row is reported on its own and the rows after it are read normally
problem-field-count = expected 4 or 5 fields separated by `;` (recipient;platform;permission;timestamp[;external_id]), found { $found }
problem-header-row = the first line is a header row (its permission is not ONAY/RET and its first field is not a recipient); it was skipped and is not counted as a row

## The recipient
problem-recipient-empty = recipient is empty; write an email address or a phone number
problem-wrong-channel-email = { $value } is an email recipient but --channel sms was given; move the row to a file of its channel
problem-wrong-channel-sms = { $value } is an SMS recipient but --channel email was given; move the row to a file of its channel
problem-email-invisible = email { $value } contains the invisible character { $char }, which İYS refuses; remove it (retype the address or paste it as plain text)
problem-email-non-ascii = email { $value } has non-ASCII letters, which İYS refuses; correct the address
problem-email-malformed = { $value } is not an email address with a dotted domain; correct the address
problem-email-too-long = email { $value } is too long: at most { $max } characters in all, { $local } before the @ and { $label } in each part of the domain; correct the address
problem-email-not-a-domain = email { $value } does not end in a domain name (an IP address, a numeric domain or a top-level domain that is not letters); correct the address
problem-phone-scientific = { $value } is a phone number a spreadsheet turned into scientific notation, which loses its last digits; format the column as text in the spreadsheet and export again
problem-phone-invalid = { $value } is not a valid phone number{ $invisible }; write a Turkish mobile (05xx xxx xx xx) or a number with its country code (+44 …)
problem-phone-not-mobile = { $value } is a Turkish number but not a mobile (5xx) number; İYS SMS consent needs a mobile

## The platform, the external id
problem-platform-empty = platform is empty; write where consent was collected (EMAIL, SMS, mobileapp, web, form…)
problem-platform-invisible-only = platform holds only invisible characters; write where consent was collected (EMAIL, SMS, mobileapp, web, form…)
problem-unrepresentable-platform = platform contains { $char }, which a Netmera row cannot carry (it would shift or split the row); remove it
problem-unrepresentable-external-id = external_id contains { $char }, which a Netmera row cannot carry (it would shift or split the row); remove it

## The permission
problem-permission-red = permission { $value } is neither ONAY nor RET{ $invisible }; did you mean RET?
problem-permission-invalid = permission { $value } is neither ONAY nor RET{ $invisible }; write ONAY (consent) or RET (rejection)

## The timestamp
problem-timestamp-unparsable = timestamp { $value } is not a timestamp; write dd.MM.yyyy HH:mm:ss (15.05.2025 14:23:00){ $invisible }
problem-timestamp-impossible = timestamp { $value } is not a real date and time; check day, month and hour (dd.MM.yyyy HH:mm:ss){ $invisible }
problem-timestamp-skipped = timestamp { $value } does not exist in that time zone (a daylight-saving change skipped it); check the time or --timezone{ $invisible }
problem-timestamp-too-early = timestamp { $value } is before 01.05.2015 00:00:00, which İYS rejects; check the date, or leave the row out
problem-timestamp-in-future = timestamp { $value } is in the future; check the export's clock or time zone (--timezone)

## Fixes
problem-fix-email = upper-case letters lower-cased
problem-fix-phone = phone number { $value } written as { $canonical }
problem-fix-permission = { $value } written as { $canonical }
problem-fix-timestamp = { $value } written as { $canonical }
problem-fix-trailing-separator = trailing `;` with no external id removed
problem-fix-invisible-one = invisible character { $char } removed
problem-fix-invisible-many = { $count } invisible characters ({ $char } …) removed

## Keys, once the input is read
problem-withheld-unreadable = this invalid RET row may be the recipient's latest word (its timestamp is unreadable); the recipient is left out of every output and upload — fix the row and run again
problem-withheld-not-earlier = this invalid RET row may be the recipient's latest word (its timestamp is not earlier than the winning ONAY ({ $time })); the recipient is left out of every output and upload — fix the row and run again
problem-conflict = this recipient has both ONAY and RET at its latest time ({ $time }); RET wins
problem-withheld-pending = this invalid RET row may be later than the ONAY of { $time } that the ledger holds pending for the recipient (from an earlier run); that opt-in is not sent and stays pending — fix the row and run again
problem-stale = stale: the ledger says Insider was told { $ledger_permission } with a consent time of { $ledger_time }, later than this { $permission } of { $time }; nothing was sent for it
# The rejects file: the note added to the message of the invalid RET row that withholds a key.
problem-rejects-withholding = this RET row holds { $recipient } back: nothing was written or sent for this recipient; fix the row and run again

## Uploads
problem-api-refused = Insider refused this record: { $text }
problem-api-refused-earlier = Insider refused this record: { $text } (refused in an earlier run)
problem-too-large = this record's Upsert user object alone is { $bytes } bytes, over the { $max }-byte body limit (--max-bytes); shorten its fields

## The severity and field of a problem line in the text summary (`file:line: error[code] field: …`)
severity-error = error
severity-warning = warning
severity-fix = fix
field-row = row
field-recipient = recipient
field-platform = platform
field-permission = permission
field-timestamp = timestamp
field-external-id = external_id
