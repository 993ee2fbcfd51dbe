# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_iysync_global_optspecs
    string join \n h/help V/version
end

function __fish_iysync_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_iysync_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_iysync_using_subcommand
    set -l cmd (__fish_iysync_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c iysync -n "__fish_iysync_needs_command" -s h -l help -d 'Print help'
complete -c iysync -n "__fish_iysync_needs_command" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "validate" -d 'Check every row and print a report; writes nothing else unless asked'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "convert" -d 'Write Insider Upsert request bodies or Netmera upload files, and a rejects file'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "upsert" -d 'Send the resolved records to Insider\'s Upsert API (token: INSIDER_UCD_TOKEN)'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "unsubscribe" -d 'Send the resolved RET records to Insider\'s email/SMS unsubscribe APIs (token: INSIDER_UNSUBSCRIBE_TOKEN)'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "resubscribe" -d 'Send the resolved ONAY records to Insider\'s email/SMS resubscribe APIs (token: INSIDER_RESUBSCRIBE_TOKEN)'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "sync" -d 'The nightly job: send only what changed since the ledger\'s last acknowledged state (SPEC §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses)'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "ledger" -d 'Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when, from which file and line'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "man" -d 'Print the roff man page of iysync, or of one command (`iysync man validate`)'
complete -c iysync -n "__fish_iysync_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l color -d 'When to use colours on stderr (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l timezone -d 'IANA time zone of the input timestamps' -r
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l encoding -d 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)' -r -f -a "utf-8\t''
windows-1254\t''
iso-8859-9\t''"
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l delimiter -d 'The delimiter between the input\'s fields (outputs are always `;`-separated, as Netmera wants)' -r -f -a ";\t''
\,\t''
tab\t''"
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l channel -d 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)' -r -f -a "email\t''
sms\t''"
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l now -d 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)' -r
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l report -d 'Write the summary and every problem as one JSON document to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l html -d 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand validate" -s j -l jobs -d 'Worker threads for parsing and validation (default: all cores)' -r
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l format -d 'Report format: text (for people, on stderr) or a machine format on stdout' -r -f -a "text\t''
json\t''
jsonl\t''
github\t''
junit\t''"
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l max-problems -d 'Print at most N problems (counting is never limited)' -r
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l valid-out -d 'Write the valid rows, normalised to the exact Netmera format, to PATH, in time order' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l invalid-out -d 'Write the invalid rows, verbatim, to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand validate" -s q -l quiet -d 'Print nothing but errors (no summary)'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l no-progress -d 'Never show a progress bar'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l strict -d 'Treat rows that needed a repair as invalid'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l redact -d 'Mask recipients in every message and report (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -l force -d 'Overwrite existing output files'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand validate" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l color -d 'When to use colours on stderr (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l timezone -d 'IANA time zone of the input timestamps' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l encoding -d 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)' -r -f -a "utf-8\t''
windows-1254\t''
iso-8859-9\t''"
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l delimiter -d 'The delimiter between the input\'s fields (outputs are always `;`-separated, as Netmera wants)' -r -f -a ";\t''
\,\t''
tab\t''"
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l channel -d 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)' -r -f -a "email\t''
sms\t''"
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l now -d 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l report -d 'Write the summary and every problem as one JSON document to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l html -d 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand convert" -s j -l jobs -d 'Worker threads for parsing and validation (default: all cores)' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l to -d 'Target format' -r -f -a "insider\t''
netmera\t''"
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l out -d 'Output directory, or `-` for stdout (Insider: one body per line)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l external-id-as -d 'Send the external id as the `uuid` identifier or as a custom identifier NAME' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l consent-event -d 'Add an event NAME at the consent timestamp carrying platform and permission' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l max-users -d 'Users per Upsert request' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l max-bytes -d 'Bytes per Upsert request body' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l split-rows -d 'Netmera: start a new file every N rows (email-000001.csv, …)' -r
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l rejects -d 'Where to write the rejects file (default: <out>/rejects.csv, or ./iysync-rejects-<time>.csv)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand convert" -s q -l quiet -d 'Print nothing but errors (no summary)'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l no-progress -d 'Never show a progress bar'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l strict -d 'Treat rows that needed a repair as invalid'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l redact -d 'Mask recipients in every message and report (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l skip-hook -d 'Set `skip_hook: true` so imported data does not trigger journeys'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l keep-history -d 'Netmera: keep every valid row instead of the resolved state, in time order (ONAY before RET at an equal time)'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -l force -d 'Overwrite existing output files'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand convert" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l color -d 'When to use colours on stderr (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l timezone -d 'IANA time zone of the input timestamps' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l encoding -d 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)' -r -f -a "utf-8\t''
windows-1254\t''
iso-8859-9\t''"
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l delimiter -d 'The delimiter between the input\'s fields (outputs are always `;`-separated, as Netmera wants)' -r -f -a ";\t''
\,\t''
tab\t''"
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l channel -d 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)' -r -f -a "email\t''
sms\t''"
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l now -d 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l report -d 'Write the summary and every problem as one JSON document to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l html -d 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -s j -l jobs -d 'Worker threads for parsing and validation (default: all cores)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l external-id-as -d 'Send the external id as the `uuid` identifier or as a custom identifier NAME' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l consent-event -d 'Add an event NAME at the consent timestamp carrying platform and permission' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l max-users -d 'Users per Upsert request' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l max-bytes -d 'Bytes per Upsert request body' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l partner -d 'Partner name (sent lower-case)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l token-file -d 'Read the API token from this file instead of the environment' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l out -d 'With --dry-run: write the exact request bodies to DIR' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l rate -d 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l concurrency -d 'Requests in flight at once' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l max-retries -d 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l timeout -d 'Seconds before a request times out' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l max-wait -d 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l unification-url -d 'Base URL of the Upsert API (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l contact-url -d 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l journal -d 'Resume journal (default: in the user\'s state directory, keyed by inputs and options)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l rejects -d 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -s q -l quiet -d 'Print nothing but errors (no summary)'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l no-progress -d 'Never show a progress bar'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l strict -d 'Treat rows that needed a repair as invalid'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l redact -d 'Mask recipients in every message and report (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l skip-hook -d 'Set `skip_hook: true` so imported data does not trigger journeys'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l dry-run -d 'Do everything but the network: print the plan; with --out, write the exact bodies'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l fail-on-invalid -d 'Send nothing when any row is invalid'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l restart -d 'Ignore the journal and send everything again'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -l force -d 'Overwrite existing output files'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand upsert" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l color -d 'When to use colours on stderr (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l timezone -d 'IANA time zone of the input timestamps' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l encoding -d 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)' -r -f -a "utf-8\t''
windows-1254\t''
iso-8859-9\t''"
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l delimiter -d 'The delimiter between the input\'s fields (outputs are always `;`-separated, as Netmera wants)' -r -f -a ";\t''
\,\t''
tab\t''"
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l channel -d 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)' -r -f -a "email\t''
sms\t''"
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l now -d 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l report -d 'Write the summary and every problem as one JSON document to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l html -d 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -s j -l jobs -d 'Worker threads for parsing and validation (default: all cores)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l max-contacts -d 'Records per contact API request' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l group -d 'Email unsubscribe group name (3–29 characters)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l partner -d 'Partner name (sent lower-case)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l token-file -d 'Read the API token from this file instead of the environment' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l out -d 'With --dry-run: write the exact request bodies to DIR' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l rate -d 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l concurrency -d 'Requests in flight at once' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l max-retries -d 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l timeout -d 'Seconds before a request times out' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l max-wait -d 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l unification-url -d 'Base URL of the Upsert API (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l contact-url -d 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l journal -d 'Resume journal (default: in the user\'s state directory, keyed by inputs and options)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l rejects -d 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -s q -l quiet -d 'Print nothing but errors (no summary)'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l no-progress -d 'Never show a progress bar'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l strict -d 'Treat rows that needed a repair as invalid'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l redact -d 'Mask recipients in every message and report (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l dry-run -d 'Do everything but the network: print the plan; with --out, write the exact bodies'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l fail-on-invalid -d 'Send nothing when any row is invalid'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l restart -d 'Ignore the journal and send everything again'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -l force -d 'Overwrite existing output files'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand unsubscribe" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l color -d 'When to use colours on stderr (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l timezone -d 'IANA time zone of the input timestamps' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l encoding -d 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)' -r -f -a "utf-8\t''
windows-1254\t''
iso-8859-9\t''"
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l delimiter -d 'The delimiter between the input\'s fields (outputs are always `;`-separated, as Netmera wants)' -r -f -a ";\t''
\,\t''
tab\t''"
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l channel -d 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)' -r -f -a "email\t''
sms\t''"
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l now -d 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l report -d 'Write the summary and every problem as one JSON document to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l html -d 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -s j -l jobs -d 'Worker threads for parsing and validation (default: all cores)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l max-contacts -d 'Records per contact API request' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l group-id -d 'Email resubscribe group id' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l partner -d 'Partner name (sent lower-case)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l token-file -d 'Read the API token from this file instead of the environment' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l out -d 'With --dry-run: write the exact request bodies to DIR' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l rate -d 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l concurrency -d 'Requests in flight at once' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l max-retries -d 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l timeout -d 'Seconds before a request times out' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l max-wait -d 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l unification-url -d 'Base URL of the Upsert API (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l contact-url -d 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l journal -d 'Resume journal (default: in the user\'s state directory, keyed by inputs and options)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l rejects -d 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -s q -l quiet -d 'Print nothing but errors (no summary)'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l no-progress -d 'Never show a progress bar'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l strict -d 'Treat rows that needed a repair as invalid'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l redact -d 'Mask recipients in every message and report (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l dry-run -d 'Do everything but the network: print the plan; with --out, write the exact bodies'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l fail-on-invalid -d 'Send nothing when any row is invalid'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l restart -d 'Ignore the journal and send everything again'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -l force -d 'Overwrite existing output files'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand resubscribe" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l color -d 'When to use colours on stderr (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l timezone -d 'IANA time zone of the input timestamps' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l encoding -d 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)' -r -f -a "utf-8\t''
windows-1254\t''
iso-8859-9\t''"
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l delimiter -d 'The delimiter between the input\'s fields (outputs are always `;`-separated, as Netmera wants)' -r -f -a ";\t''
\,\t''
tab\t''"
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l channel -d 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)' -r -f -a "email\t''
sms\t''"
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l now -d 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l report -d 'Write the summary and every problem as one JSON document to PATH' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l html -d 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand sync" -s j -l jobs -d 'Worker threads for parsing and validation (default: all cores)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l external-id-as -d 'Send the external id as the `uuid` identifier or as a custom identifier NAME' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l consent-event -d 'Add an event NAME at the consent timestamp carrying platform and permission' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l max-users -d 'Users per Upsert request' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l max-bytes -d 'Bytes per Upsert request body' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l max-contacts -d 'Records per contact API request' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l group -d 'Email unsubscribe group name (the unsubscribe requests)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l group-id -d 'Email resubscribe group id (the resubscribe requests)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l state -d 'The consent ledger (default: <user state dir>/iysync/ledger.sqlite3)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l max-changes -d 'Send nothing when the plan flips (ONAY<->RET) more than N keys or P% of the ledger\'s keys (a percentage allows at least 100 keys)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l partner -d 'Partner name (sent lower-case)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l token-file -d 'Read the API token from this file instead of the environment' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l out -d 'With --dry-run: write the exact request bodies to DIR' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l rate -d 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l concurrency -d 'Requests in flight at once' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l max-retries -d 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l timeout -d 'Seconds before a request times out' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l max-wait -d 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l unification-url -d 'Base URL of the Upsert API (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l contact-url -d 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)' -r
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l journal -d 'Resume journal (default: in the user\'s state directory, keyed by inputs and options)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l rejects -d 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand sync" -s q -l quiet -d 'Print nothing but errors (no summary)'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l no-progress -d 'Never show a progress bar'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l strict -d 'Treat rows that needed a repair as invalid'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l redact -d 'Mask recipients in every message and report (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l skip-hook -d 'Set `skip_hook: true` so imported data does not trigger journeys'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l baseline -d 'Record the inputs\' resolved state as acknowledged without sending anything (for an account already loaded by a full upsert)'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l dry-run -d 'Do everything but the network: print the plan; with --out, write the exact bodies'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l fail-on-invalid -d 'Send nothing when any row is invalid'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l restart -d 'Ignore the journal and send everything again'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -l force -d 'Overwrite existing output files'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand sync" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and not __fish_seen_subcommand_from show stats help" -s h -l help -d 'Print help'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and not __fish_seen_subcommand_from show stats help" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and not __fish_seen_subcommand_from show stats help" -f -a "show" -d 'Show the ledger row and the audit history of each recipient (written as in the input)'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and not __fish_seen_subcommand_from show stats help" -f -a "stats" -d 'Count the ledger\'s keys per channel and permission, the pending changes, and the last run'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and not __fish_seen_subcommand_from show stats help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -l state -d 'The ledger (default: <user state dir>/iysync/ledger.sqlite3)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -l partner -d 'Only this partner\'s keys (default: every partner in the ledger)' -r
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -l format -d 'Output format: text for people, or one JSON document' -r -f -a "text\t''
json\t''"
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -l redact -d 'Mask recipients (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -l state -d 'The ledger (default: <user state dir>/iysync/ledger.sqlite3)' -r -F
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -l partner -d 'Only this partner\'s keys (default: every partner in the ledger)' -r
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -l format -d 'Output format: text for people, or one JSON document' -r -f -a "text\t''
json\t''"
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -l lang -d 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)' -r -f -a "en\t''
tr\t''"
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -l redact -d 'Mask recipients (on by default when CI is set)'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the ledger row and the audit history of each recipient (written as in the input)'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Count the ledger\'s keys per channel and permission, the pending changes, and the last run'
complete -c iysync -n "__fish_iysync_using_subcommand ledger; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c iysync -n "__fish_iysync_using_subcommand completions" -s h -l help -d 'Print help'
complete -c iysync -n "__fish_iysync_using_subcommand completions" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand man" -s h -l help -d 'Print help'
complete -c iysync -n "__fish_iysync_using_subcommand man" -s V -l version -d 'Print version'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "validate" -d 'Check every row and print a report; writes nothing else unless asked'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "convert" -d 'Write Insider Upsert request bodies or Netmera upload files, and a rejects file'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "upsert" -d 'Send the resolved records to Insider\'s Upsert API (token: INSIDER_UCD_TOKEN)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "unsubscribe" -d 'Send the resolved RET records to Insider\'s email/SMS unsubscribe APIs (token: INSIDER_UNSUBSCRIBE_TOKEN)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "resubscribe" -d 'Send the resolved ONAY records to Insider\'s email/SMS resubscribe APIs (token: INSIDER_RESUBSCRIBE_TOKEN)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "sync" -d 'The nightly job: send only what changed since the ledger\'s last acknowledged state (SPEC §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "ledger" -d 'Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when, from which file and line'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "man" -d 'Print the roff man page of iysync, or of one command (`iysync man validate`)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and not __fish_seen_subcommand_from validate convert upsert unsubscribe resubscribe sync ledger completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and __fish_seen_subcommand_from ledger" -f -a "show" -d 'Show the ledger row and the audit history of each recipient (written as in the input)'
complete -c iysync -n "__fish_iysync_using_subcommand help; and __fish_seen_subcommand_from ledger" -f -a "stats" -d 'Count the ledger\'s keys per channel and permission, the pending changes, and the last run'
