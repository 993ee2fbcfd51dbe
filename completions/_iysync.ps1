
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'iysync' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'iysync'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'iysync' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check every row and print a report; writes nothing else unless asked')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Write Insider Upsert request bodies or Netmera upload files, and a rejects file')
            [CompletionResult]::new('upsert', 'upsert', [CompletionResultType]::ParameterValue, 'Send the resolved records to Insider''s Upsert API (token: INSIDER_UCD_TOKEN)')
            [CompletionResult]::new('unsubscribe', 'unsubscribe', [CompletionResultType]::ParameterValue, 'Send the resolved RET records to Insider''s email/SMS unsubscribe APIs (token: INSIDER_UNSUBSCRIBE_TOKEN)')
            [CompletionResult]::new('resubscribe', 'resubscribe', [CompletionResultType]::ParameterValue, 'Send the resolved ONAY records to Insider''s email/SMS resubscribe APIs (token: INSIDER_RESUBSCRIBE_TOKEN)')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'The nightly job: send only what changed since the ledger''s last acknowledged state (SPEC §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses)')
            [CompletionResult]::new('ledger', 'ledger', [CompletionResultType]::ParameterValue, 'Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when, from which file and line')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the roff man page of iysync, or of one command (`iysync man validate`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'iysync;validate' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours on stderr (honours NO_COLOR)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone of the input timestamps')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the summary and every problem as one JSON document to PATH')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format: text (for people, on stderr) or a machine format on stdout')
            [CompletionResult]::new('--max-problems', '--max-problems', [CompletionResultType]::ParameterName, 'Print at most N problems (counting is never limited)')
            [CompletionResult]::new('--valid-out', '--valid-out', [CompletionResultType]::ParameterName, 'Write the valid rows, normalised to the exact Netmera format, to PATH, in time order')
            [CompletionResult]::new('--invalid-out', '--invalid-out', [CompletionResultType]::ParameterName, 'Write the invalid rows, verbatim, to PATH')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat rows that needed a repair as invalid')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients in every message and report (on by default when CI is set)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing output files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;convert' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours on stderr (honours NO_COLOR)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone of the input timestamps')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the summary and every problem as one JSON document to PATH')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Target format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory, or `-` for stdout (Insider: one body per line)')
            [CompletionResult]::new('--external-id-as', '--external-id-as', [CompletionResultType]::ParameterName, 'Send the external id as the `uuid` identifier or as a custom identifier NAME')
            [CompletionResult]::new('--consent-event', '--consent-event', [CompletionResultType]::ParameterName, 'Add an event NAME at the consent timestamp carrying platform and permission')
            [CompletionResult]::new('--max-users', '--max-users', [CompletionResultType]::ParameterName, 'Users per Upsert request')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Bytes per Upsert request body')
            [CompletionResult]::new('--split-rows', '--split-rows', [CompletionResultType]::ParameterName, 'Netmera: start a new file every N rows (email-000001.csv, …)')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Where to write the rejects file (default: <out>/rejects.csv, or ./iysync-rejects-<time>.csv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat rows that needed a repair as invalid')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients in every message and report (on by default when CI is set)')
            [CompletionResult]::new('--skip-hook', '--skip-hook', [CompletionResultType]::ParameterName, 'Set `skip_hook: true` so imported data does not trigger journeys')
            [CompletionResult]::new('--keep-history', '--keep-history', [CompletionResultType]::ParameterName, 'Netmera: keep every valid row instead of the resolved state, in time order (ONAY before RET at an equal time)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing output files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;upsert' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours on stderr (honours NO_COLOR)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone of the input timestamps')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the summary and every problem as one JSON document to PATH')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--external-id-as', '--external-id-as', [CompletionResultType]::ParameterName, 'Send the external id as the `uuid` identifier or as a custom identifier NAME')
            [CompletionResult]::new('--consent-event', '--consent-event', [CompletionResultType]::ParameterName, 'Add an event NAME at the consent timestamp carrying platform and permission')
            [CompletionResult]::new('--max-users', '--max-users', [CompletionResultType]::ParameterName, 'Users per Upsert request')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Bytes per Upsert request body')
            [CompletionResult]::new('--partner', '--partner', [CompletionResultType]::ParameterName, 'Partner name (sent lower-case)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the API token from this file instead of the environment')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'With --dry-run: write the exact request bodies to DIR')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds before a request times out')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)')
            [CompletionResult]::new('--unification-url', '--unification-url', [CompletionResultType]::ParameterName, 'Base URL of the Upsert API (https only, except loopback)')
            [CompletionResult]::new('--contact-url', '--contact-url', [CompletionResultType]::ParameterName, 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Resume journal (default: in the user''s state directory, keyed by inputs and options)')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat rows that needed a repair as invalid')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients in every message and report (on by default when CI is set)')
            [CompletionResult]::new('--skip-hook', '--skip-hook', [CompletionResultType]::ParameterName, 'Set `skip_hook: true` so imported data does not trigger journeys')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Do everything but the network: print the plan; with --out, write the exact bodies')
            [CompletionResult]::new('--fail-on-invalid', '--fail-on-invalid', [CompletionResultType]::ParameterName, 'Send nothing when any row is invalid')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Ignore the journal and send everything again')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing output files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;unsubscribe' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours on stderr (honours NO_COLOR)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone of the input timestamps')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the summary and every problem as one JSON document to PATH')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--max-contacts', '--max-contacts', [CompletionResultType]::ParameterName, 'Records per contact API request')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Email unsubscribe group name (3–29 characters)')
            [CompletionResult]::new('--partner', '--partner', [CompletionResultType]::ParameterName, 'Partner name (sent lower-case)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the API token from this file instead of the environment')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'With --dry-run: write the exact request bodies to DIR')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds before a request times out')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)')
            [CompletionResult]::new('--unification-url', '--unification-url', [CompletionResultType]::ParameterName, 'Base URL of the Upsert API (https only, except loopback)')
            [CompletionResult]::new('--contact-url', '--contact-url', [CompletionResultType]::ParameterName, 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Resume journal (default: in the user''s state directory, keyed by inputs and options)')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat rows that needed a repair as invalid')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients in every message and report (on by default when CI is set)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Do everything but the network: print the plan; with --out, write the exact bodies')
            [CompletionResult]::new('--fail-on-invalid', '--fail-on-invalid', [CompletionResultType]::ParameterName, 'Send nothing when any row is invalid')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Ignore the journal and send everything again')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing output files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;resubscribe' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours on stderr (honours NO_COLOR)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone of the input timestamps')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the summary and every problem as one JSON document to PATH')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--max-contacts', '--max-contacts', [CompletionResultType]::ParameterName, 'Records per contact API request')
            [CompletionResult]::new('--group-id', '--group-id', [CompletionResultType]::ParameterName, 'Email resubscribe group id')
            [CompletionResult]::new('--partner', '--partner', [CompletionResultType]::ParameterName, 'Partner name (sent lower-case)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the API token from this file instead of the environment')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'With --dry-run: write the exact request bodies to DIR')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds before a request times out')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)')
            [CompletionResult]::new('--unification-url', '--unification-url', [CompletionResultType]::ParameterName, 'Base URL of the Upsert API (https only, except loopback)')
            [CompletionResult]::new('--contact-url', '--contact-url', [CompletionResultType]::ParameterName, 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Resume journal (default: in the user''s state directory, keyed by inputs and options)')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat rows that needed a repair as invalid')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients in every message and report (on by default when CI is set)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Do everything but the network: print the plan; with --out, write the exact bodies')
            [CompletionResult]::new('--fail-on-invalid', '--fail-on-invalid', [CompletionResultType]::ParameterName, 'Send nothing when any row is invalid')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Ignore the journal and send everything again')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing output files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;sync' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours on stderr (honours NO_COLOR)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone of the input timestamps')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encoding of the input (default: UTF-8, rows with other bytes are invalid)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter between the input''s fields (outputs are always `;`-separated, as Netmera wants)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Accept only this channel; rows of the other kind are invalid (`wrong_channel`)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The "current time" for future-timestamp checks, RFC 3339 with offset (e.g. 2026-11-22T12:00:00+03:00)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the summary and every problem as one JSON document to PATH')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write a report for people to PATH: one self-contained HTML file (opens offline, prints)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads for parsing and validation (default: all cores)')
            [CompletionResult]::new('--external-id-as', '--external-id-as', [CompletionResultType]::ParameterName, 'Send the external id as the `uuid` identifier or as a custom identifier NAME')
            [CompletionResult]::new('--consent-event', '--consent-event', [CompletionResultType]::ParameterName, 'Add an event NAME at the consent timestamp carrying platform and permission')
            [CompletionResult]::new('--max-users', '--max-users', [CompletionResultType]::ParameterName, 'Users per Upsert request')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Bytes per Upsert request body')
            [CompletionResult]::new('--max-contacts', '--max-contacts', [CompletionResultType]::ParameterName, 'Records per contact API request')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Email unsubscribe group name (the unsubscribe requests)')
            [CompletionResult]::new('--group-id', '--group-id', [CompletionResultType]::ParameterName, 'Email resubscribe group id (the resubscribe requests)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The consent ledger (default: <user state dir>/iysync/ledger.sqlite3)')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Send nothing when the plan flips (ONAY<->RET) more than N keys or P% of the ledger''s keys (a percentage allows at least 100 keys)')
            [CompletionResult]::new('--partner', '--partner', [CompletionResultType]::ParameterName, 'Partner name (sent lower-case)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the API token from this file instead of the environment')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'With --dry-run: write the exact request bodies to DIR')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Requests per minute (default: 25000 for upsert, 600 for the contact APIs)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries per request after 5xx, timeouts and connection errors (429s slow the run down instead and do not count)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds before a request times out')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest single wait before a retry; a server asking (Retry-After) for more stops the run (exit 3)')
            [CompletionResult]::new('--unification-url', '--unification-url', [CompletionResultType]::ParameterName, 'Base URL of the Upsert API (https only, except loopback)')
            [CompletionResult]::new('--contact-url', '--contact-url', [CompletionResultType]::ParameterName, 'Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Resume journal (default: in the user''s state directory, keyed by inputs and options)')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Where to write the rejects file (default: ./iysync-rejects-<time>.csv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors (no summary)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat rows that needed a repair as invalid')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients in every message and report (on by default when CI is set)')
            [CompletionResult]::new('--skip-hook', '--skip-hook', [CompletionResultType]::ParameterName, 'Set `skip_hook: true` so imported data does not trigger journeys')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'Record the inputs'' resolved state as acknowledged without sending anything (for an account already loaded by a full upsert)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Do everything but the network: print the plan; with --out, write the exact bodies')
            [CompletionResult]::new('--fail-on-invalid', '--fail-on-invalid', [CompletionResultType]::ParameterName, 'Send nothing when any row is invalid')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Ignore the journal and send everything again')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing output files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;ledger' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the ledger row and the audit history of each recipient (written as in the input)')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count the ledger''s keys per channel and permission, the pending changes, and the last run')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'iysync;ledger;show' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The ledger (default: <user state dir>/iysync/ledger.sqlite3)')
            [CompletionResult]::new('--partner', '--partner', [CompletionResultType]::ParameterName, 'Only this partner''s keys (default: every partner in the ledger)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text for people, or one JSON document')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients (on by default when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;ledger;stats' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The ledger (default: <user state dir>/iysync/ledger.sqlite3)')
            [CompletionResult]::new('--partner', '--partner', [CompletionResultType]::ParameterName, 'Only this partner''s keys (default: every partner in the ledger)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text for people, or one JSON document')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG; tr* is Turkish)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask recipients (on by default when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;ledger;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the ledger row and the audit history of each recipient (written as in the input)')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count the ledger''s keys per channel and permission, the pending changes, and the last run')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'iysync;ledger;help;show' {
            break
        }
        'iysync;ledger;help;stats' {
            break
        }
        'iysync;ledger;help;help' {
            break
        }
        'iysync;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'iysync;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check every row and print a report; writes nothing else unless asked')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Write Insider Upsert request bodies or Netmera upload files, and a rejects file')
            [CompletionResult]::new('upsert', 'upsert', [CompletionResultType]::ParameterValue, 'Send the resolved records to Insider''s Upsert API (token: INSIDER_UCD_TOKEN)')
            [CompletionResult]::new('unsubscribe', 'unsubscribe', [CompletionResultType]::ParameterValue, 'Send the resolved RET records to Insider''s email/SMS unsubscribe APIs (token: INSIDER_UNSUBSCRIBE_TOKEN)')
            [CompletionResult]::new('resubscribe', 'resubscribe', [CompletionResultType]::ParameterValue, 'Send the resolved ONAY records to Insider''s email/SMS resubscribe APIs (token: INSIDER_RESUBSCRIBE_TOKEN)')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'The nightly job: send only what changed since the ledger''s last acknowledged state (SPEC §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses)')
            [CompletionResult]::new('ledger', 'ledger', [CompletionResultType]::ParameterValue, 'Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when, from which file and line')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the roff man page of iysync, or of one command (`iysync man validate`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'iysync;help;validate' {
            break
        }
        'iysync;help;convert' {
            break
        }
        'iysync;help;upsert' {
            break
        }
        'iysync;help;unsubscribe' {
            break
        }
        'iysync;help;resubscribe' {
            break
        }
        'iysync;help;sync' {
            break
        }
        'iysync;help;ledger' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the ledger row and the audit history of each recipient (written as in the input)')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count the ledger''s keys per channel and permission, the pending changes, and the last run')
            break
        }
        'iysync;help;ledger;show' {
            break
        }
        'iysync;help;ledger;stats' {
            break
        }
        'iysync;help;completions' {
            break
        }
        'iysync;help;man' {
            break
        }
        'iysync;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
