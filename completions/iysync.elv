
use builtin;
use str;

set edit:completion:arg-completer[iysync] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'iysync'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'iysync'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check every row and print a report; writes nothing else unless asked'
            cand convert 'Write Insider Upsert request bodies or Netmera upload files, and a rejects file'
            cand upsert 'Send the resolved records to Insider''s Upsert API (token: INSIDER_UCD_TOKEN)'
            cand unsubscribe 'Send the resolved RET records to Insider''s email/SMS unsubscribe APIs (token: INSIDER_UNSUBSCRIBE_TOKEN)'
            cand resubscribe 'Send the resolved ONAY records to Insider''s email/SMS resubscribe APIs (token: INSIDER_RESUBSCRIBE_TOKEN)'
            cand sync 'The nightly job: send only what changed since the ledger''s last acknowledged state (SPEC §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses)'
            cand ledger 'Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when, from which file and line'
            cand completions 'Print a shell completion script'
            cand man 'Print the roff man page of iysync, or of one command (`iysync man validate`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'iysync;validate'= {
            cand --color 'When to use colours on stderr (honours NO_COLOR)'
            cand --timezone 'IANA time zone of the input timestamps'
            cand --encoding 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)'
            cand --delimiter 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)'
            cand --channel 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)'
            cand --now 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)'
            cand --report 'Write the summary and every problem as one JSON document to PATH'
            cand --html 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand -j 'Worker threads for parsing and validation (default: all cores)'
            cand --jobs 'Worker threads for parsing and validation (default: all cores)'
            cand --format 'Report format: text (for people, on stderr) or a machine format on stdout'
            cand --max-problems 'Print at most N problems (counting is never limited)'
            cand --valid-out 'Write the valid rows, normalised to the exact Netmera format, to PATH, in time order'
            cand --invalid-out 'Write the invalid rows, verbatim, to PATH'
            cand -q 'Print nothing but errors (no summary)'
            cand --quiet 'Print nothing but errors (no summary)'
            cand --no-progress 'Never show a progress bar'
            cand --strict 'Treat rows that needed a repair as invalid'
            cand --redact 'Mask recipients in every message and report (on by default when CI is set)'
            cand --force 'Overwrite existing output files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;convert'= {
            cand --color 'When to use colours on stderr (honours NO_COLOR)'
            cand --timezone 'IANA time zone of the input timestamps'
            cand --encoding 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)'
            cand --delimiter 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)'
            cand --channel 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)'
            cand --now 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)'
            cand --report 'Write the summary and every problem as one JSON document to PATH'
            cand --html 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand -j 'Worker threads for parsing and validation (default: all cores)'
            cand --jobs 'Worker threads for parsing and validation (default: all cores)'
            cand --to 'Target format'
            cand --out 'Output directory, or `-` for stdout (Insider: one body per line)'
            cand --external-id-as 'Send the external id as the `uuid` identifier or as a custom identifier NAME'
            cand --consent-event 'Add an event NAME at the consent timestamp carrying platform and permission'
            cand --max-users 'Users per Upsert request'
            cand --max-bytes 'Bytes per Upsert request body'
            cand --split-rows 'Netmera: start a new file every N rows (email-000001.csv, …)'
            cand --rejects 'Where to write the rejects file (default: <out>/rejects.csv, or ./iysync-rejects-<time>.csv)'
            cand -q 'Print nothing but errors (no summary)'
            cand --quiet 'Print nothing but errors (no summary)'
            cand --no-progress 'Never show a progress bar'
            cand --strict 'Treat rows that needed a repair as invalid'
            cand --redact 'Mask recipients in every message and report (on by default when CI is set)'
            cand --skip-hook 'Set `skip_hook: true` so imported data does not trigger journeys'
            cand --keep-history 'Netmera: keep every valid row instead of the resolved state, in time order (ONAY before RET at an equal time)'
            cand --force 'Overwrite existing output files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;upsert'= {
            cand --color 'When to use colours on stderr (honours NO_COLOR)'
            cand --timezone 'IANA time zone of the input timestamps'
            cand --encoding 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)'
            cand --delimiter 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)'
            cand --channel 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)'
            cand --now 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)'
            cand --report 'Write the summary and every problem as one JSON document to PATH'
            cand --html 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand -j 'Worker threads for parsing and validation (default: all cores)'
            cand --jobs 'Worker threads for parsing and validation (default: all cores)'
            cand --external-id-as 'Send the external id as the `uuid` identifier or as a custom identifier NAME'
            cand --consent-event 'Add an event NAME at the consent timestamp carrying platform and permission'
            cand --max-users 'Users per Upsert request'
            cand --max-bytes 'Bytes per Upsert request body'
            cand --partner 'Partner name (sent lower-case)'
            cand --token-file 'Read the API token from this file instead of the environment'
            cand --out 'With --dry-run: write the exact request bodies to DIR'
            cand --rate 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)'
            cand --concurrency 'Requests in flight at once'
            cand --max-retries 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)'
            cand --timeout 'Seconds before a request times out'
            cand --max-wait 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)'
            cand --unification-url 'Base URL of the Upsert API (https only, except loopback)'
            cand --contact-url 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)'
            cand --journal 'Resume journal (default: in the user''s state directory, keyed by inputs and options)'
            cand --rejects 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)'
            cand -q 'Print nothing but errors (no summary)'
            cand --quiet 'Print nothing but errors (no summary)'
            cand --no-progress 'Never show a progress bar'
            cand --strict 'Treat rows that needed a repair as invalid'
            cand --redact 'Mask recipients in every message and report (on by default when CI is set)'
            cand --skip-hook 'Set `skip_hook: true` so imported data does not trigger journeys'
            cand --dry-run 'Do everything but the network: print the plan; with --out, write the exact bodies'
            cand --fail-on-invalid 'Send nothing when any row is invalid'
            cand --restart 'Ignore the journal and send everything again'
            cand --force 'Overwrite existing output files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;unsubscribe'= {
            cand --color 'When to use colours on stderr (honours NO_COLOR)'
            cand --timezone 'IANA time zone of the input timestamps'
            cand --encoding 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)'
            cand --delimiter 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)'
            cand --channel 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)'
            cand --now 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)'
            cand --report 'Write the summary and every problem as one JSON document to PATH'
            cand --html 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand -j 'Worker threads for parsing and validation (default: all cores)'
            cand --jobs 'Worker threads for parsing and validation (default: all cores)'
            cand --max-contacts 'Records per contact API request'
            cand --group 'Email unsubscribe group name (3–29 characters)'
            cand --partner 'Partner name (sent lower-case)'
            cand --token-file 'Read the API token from this file instead of the environment'
            cand --out 'With --dry-run: write the exact request bodies to DIR'
            cand --rate 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)'
            cand --concurrency 'Requests in flight at once'
            cand --max-retries 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)'
            cand --timeout 'Seconds before a request times out'
            cand --max-wait 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)'
            cand --unification-url 'Base URL of the Upsert API (https only, except loopback)'
            cand --contact-url 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)'
            cand --journal 'Resume journal (default: in the user''s state directory, keyed by inputs and options)'
            cand --rejects 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)'
            cand -q 'Print nothing but errors (no summary)'
            cand --quiet 'Print nothing but errors (no summary)'
            cand --no-progress 'Never show a progress bar'
            cand --strict 'Treat rows that needed a repair as invalid'
            cand --redact 'Mask recipients in every message and report (on by default when CI is set)'
            cand --dry-run 'Do everything but the network: print the plan; with --out, write the exact bodies'
            cand --fail-on-invalid 'Send nothing when any row is invalid'
            cand --restart 'Ignore the journal and send everything again'
            cand --force 'Overwrite existing output files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;resubscribe'= {
            cand --color 'When to use colours on stderr (honours NO_COLOR)'
            cand --timezone 'IANA time zone of the input timestamps'
            cand --encoding 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)'
            cand --delimiter 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)'
            cand --channel 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)'
            cand --now 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)'
            cand --report 'Write the summary and every problem as one JSON document to PATH'
            cand --html 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand -j 'Worker threads for parsing and validation (default: all cores)'
            cand --jobs 'Worker threads for parsing and validation (default: all cores)'
            cand --max-contacts 'Records per contact API request'
            cand --group-id 'Email resubscribe group id'
            cand --partner 'Partner name (sent lower-case)'
            cand --token-file 'Read the API token from this file instead of the environment'
            cand --out 'With --dry-run: write the exact request bodies to DIR'
            cand --rate 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)'
            cand --concurrency 'Requests in flight at once'
            cand --max-retries 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)'
            cand --timeout 'Seconds before a request times out'
            cand --max-wait 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)'
            cand --unification-url 'Base URL of the Upsert API (https only, except loopback)'
            cand --contact-url 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)'
            cand --journal 'Resume journal (default: in the user''s state directory, keyed by inputs and options)'
            cand --rejects 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)'
            cand -q 'Print nothing but errors (no summary)'
            cand --quiet 'Print nothing but errors (no summary)'
            cand --no-progress 'Never show a progress bar'
            cand --strict 'Treat rows that needed a repair as invalid'
            cand --redact 'Mask recipients in every message and report (on by default when CI is set)'
            cand --dry-run 'Do everything but the network: print the plan; with --out, write the exact bodies'
            cand --fail-on-invalid 'Send nothing when any row is invalid'
            cand --restart 'Ignore the journal and send everything again'
            cand --force 'Overwrite existing output files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;sync'= {
            cand --color 'When to use colours on stderr (honours NO_COLOR)'
            cand --timezone 'IANA time zone of the input timestamps'
            cand --encoding 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)'
            cand --delimiter 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)'
            cand --channel 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)'
            cand --now 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)'
            cand --report 'Write the summary and every problem as one JSON document to PATH'
            cand --html 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand -j 'Worker threads for parsing and validation (default: all cores)'
            cand --jobs 'Worker threads for parsing and validation (default: all cores)'
            cand --external-id-as 'Send the external id as the `uuid` identifier or as a custom identifier NAME'
            cand --consent-event 'Add an event NAME at the consent timestamp carrying platform and permission'
            cand --max-users 'Users per Upsert request'
            cand --max-bytes 'Bytes per Upsert request body'
            cand --max-contacts 'Records per contact API request'
            cand --group 'Email unsubscribe group name (the unsubscribe requests)'
            cand --group-id 'Email resubscribe group id (the resubscribe requests)'
            cand --state 'The consent ledger (default: <user state dir>/iysync/ledger.sqlite3)'
            cand --max-changes 'Send nothing when the plan flips (ONAY<->RET) more than N keys or P% of the ledger''s keys (a percentage allows at least 100 keys)'
            cand --partner 'Partner name (sent lower-case)'
            cand --token-file 'Read the API token from this file instead of the environment'
            cand --out 'With --dry-run: write the exact request bodies to DIR'
            cand --rate 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)'
            cand --concurrency 'Requests in flight at once'
            cand --max-retries 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)'
            cand --timeout 'Seconds before a request times out'
            cand --max-wait 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)'
            cand --unification-url 'Base URL of the Upsert API (https only, except loopback)'
            cand --contact-url 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)'
            cand --journal 'Resume journal (default: in the user''s state directory, keyed by inputs and options)'
            cand --rejects 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)'
            cand -q 'Print nothing but errors (no summary)'
            cand --quiet 'Print nothing but errors (no summary)'
            cand --no-progress 'Never show a progress bar'
            cand --strict 'Treat rows that needed a repair as invalid'
            cand --redact 'Mask recipients in every message and report (on by default when CI is set)'
            cand --skip-hook 'Set `skip_hook: true` so imported data does not trigger journeys'
            cand --baseline 'Record the inputs'' resolved state as acknowledged without sending anything (for an account already loaded by a full upsert)'
            cand --dry-run 'Do everything but the network: print the plan; with --out, write the exact bodies'
            cand --fail-on-invalid 'Send nothing when any row is invalid'
            cand --restart 'Ignore the journal and send everything again'
            cand --force 'Overwrite existing output files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;ledger'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Show the ledger row and the audit history of each recipient (written as in the input)'
            cand stats 'Count the ledger''s keys per channel and permission, the pending changes, and the last run'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'iysync;ledger;show'= {
            cand --state 'The ledger (default: <user state dir>/iysync/ledger.sqlite3)'
            cand --partner 'Only this partner''s keys (default: every partner in the ledger)'
            cand --format 'Output format: text for people, or one JSON document'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand --redact 'Mask recipients (on by default when CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;ledger;stats'= {
            cand --state 'The ledger (default: <user state dir>/iysync/ledger.sqlite3)'
            cand --partner 'Only this partner''s keys (default: every partner in the ledger)'
            cand --format 'Output format: text for people, or one JSON document'
            cand --lang 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)'
            cand --redact 'Mask recipients (on by default when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;ledger;help'= {
            cand show 'Show the ledger row and the audit history of each recipient (written as in the input)'
            cand stats 'Count the ledger''s keys per channel and permission, the pending changes, and the last run'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'iysync;ledger;help;show'= {
        }
        &'iysync;ledger;help;stats'= {
        }
        &'iysync;ledger;help;help'= {
        }
        &'iysync;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'iysync;help'= {
            cand validate 'Check every row and print a report; writes nothing else unless asked'
            cand convert 'Write Insider Upsert request bodies or Netmera upload files, and a rejects file'
            cand upsert 'Send the resolved records to Insider''s Upsert API (token: INSIDER_UCD_TOKEN)'
            cand unsubscribe 'Send the resolved RET records to Insider''s email/SMS unsubscribe APIs (token: INSIDER_UNSUBSCRIBE_TOKEN)'
            cand resubscribe 'Send the resolved ONAY records to Insider''s email/SMS resubscribe APIs (token: INSIDER_RESUBSCRIBE_TOKEN)'
            cand sync 'The nightly job: send only what changed since the ledger''s last acknowledged state (SPEC §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses)'
            cand ledger 'Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when, from which file and line'
            cand completions 'Print a shell completion script'
            cand man 'Print the roff man page of iysync, or of one command (`iysync man validate`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'iysync;help;validate'= {
        }
        &'iysync;help;convert'= {
        }
        &'iysync;help;upsert'= {
        }
        &'iysync;help;unsubscribe'= {
        }
        &'iysync;help;resubscribe'= {
        }
        &'iysync;help;sync'= {
        }
        &'iysync;help;ledger'= {
            cand show 'Show the ledger row and the audit history of each recipient (written as in the input)'
            cand stats 'Count the ledger''s keys per channel and permission, the pending changes, and the last run'
        }
        &'iysync;help;ledger;show'= {
        }
        &'iysync;help;ledger;stats'= {
        }
        &'iysync;help;completions'= {
        }
        &'iysync;help;man'= {
        }
        &'iysync;help;help'= {
        }
    ]
    $completions[$command]
}
