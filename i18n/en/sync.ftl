# iysync's texts of `sync` and `ledger`, the file facts and the HTML report's additions, in English.
# Every key is also in i18n/tr/sync.ftl (a test checks).
# A count passed as $x is already grouped (5,000,000); $x_count is the number, for the noun's form.

## iysync sync: the summary's sync line, the dry-run plan, the guard, --baseline and --fail-on-invalid
sync-line = sync: { $unchanged } unchanged, { $new } new, { $opt_out } opt-out, { $opt_in } opt-in, { $stale } stale, { $pending } pending
sync-dry-run = dry run of `iysync sync`: { $records } { $records_count ->
        [one] record
       *[other] records
    } in { $requests } { $requests_count ->
        [one] request
       *[other] requests
    }, { $bytes } { $bytes_count ->
        [one] byte
       *[other] bytes
    }; nothing was sent, the ledger is unchanged
dry-run-endpoint = POST { $url }: { $requests } { $requests_count ->
        [one] request
       *[other] requests
    }, { $records } { $records_count ->
        [one] record
       *[other] records
    }
dry-run-bodies = bodies written to { $dir }
sync-invalid = nothing sent: { $invalid } invalid { $invalid_count ->
        [one] row
       *[other] rows
    } and --fail-on-invalid; the ledger is unchanged; fix them (see the rejects file) and run again
sync-baseline = baseline: { $keys } { $keys_count ->
        [one] key
       *[other] keys
    } recorded in { $state } as acknowledged; nothing was sent
# $needed is a value for --max-changes, never grouped.
sync-guard = nothing sent: the plan flips { $flips } of the ledger's { $keys } { $keys_count ->
        [one] key
       *[other] keys
    } between ONAY and RET, more than --max-changes { $limit } allows ({ $allowed }); check the input (a wrong or partial export?), and if the changes are meant, run again with --max-changes { $needed }
sync-guard-needed-percent = { $flips } (or { $percent }%)

## Progress labels of sync
progress-planning = planning
progress-unsubscribing = unsubscribing
progress-upserting = upserting
progress-resubscribing = resubscribing

## iysync ledger show|stats (text; the JSON output is not translated)
ledger-header = ledger { $path } (schema { $schema })
ledger-endpoint-baseline = baseline
ledger-endpoint-upsert = upsert
ledger-endpoint-email-unsubscribe = email_unsubscribe
ledger-endpoint-sms-unsubscribe = sms_unsubscribe
ledger-endpoint-email-subscribe = email_subscribe
ledger-endpoint-sms-subscribe = sms_subscribe
ledger-empty = empty: no sync has been acknowledged yet
ledger-email = email
ledger-sms = sms
ledger-written = (written { $written })
ledger-not-found = not in the ledger: nothing was ever acknowledged for this recipient
ledger-row = partner { $partner }: { $permission } (consent { $consent }, sent { $sent })
ledger-permission-none = none
ledger-pending-row = pending: { $permission } (consent { $consent }), still to send: { $steps }
ledger-pending-refused = ; refused: { $message }
ledger-history-none = history: none acknowledged
ledger-history = { $sent }  { $endpoint }  { $permission }  consent { $consent }  from { $from }  run { $run }
ledger-step-unsubscribe = unsubscribe
ledger-step-upsert = upsert
ledger-step-resubscribe = resubscribe
ledger-partner-keys = partner { $partner }: { $keys } { $keys_count ->
        [one] key
       *[other] keys
    }
ledger-channel = { $channel }  ONAY { $onay }  RET { $ret }
ledger-channel-none = nothing acknowledged yet { $n }
ledger-pending = pending { $pending } (refused by Insider { $refused })
ledger-last-run = last run { $run } ({ $mode }): started { $started }, finished { $finished }, { $status }
ledger-no-run = no run yet
ledger-mode-sync = sync
ledger-mode-baseline = baseline
ledger-status-ok = ok
ledger-status-refused = refused
ledger-status-interrupted = interrupted
ledger-status-aborted = aborted
ledger-status-guard = guard
ledger-status-invalid = invalid
ledger-status-unfinished = did not finish

## File facts: the note of a file that is anything but plain `;`-separated UTF-8 with LF ends
facts-gzip = gzip
facts-encoding = { $encoding }
facts-encoding-bom = { $encoding } with a BOM
facts-encoding-decoded = { $encoding } (decoded)
facts-encoding-bom-decoded = { $encoding } with a BOM (decoded)
facts-crlf = CRLF line ends
facts-cr = lone-CR line ends (classic Mac), read as records
facts-comma = fields separated by `,`
facts-tab = fields separated by tab
facts-header = header row skipped

## The HTML report: its time, the file notes, the sync figures
html-generated-at = { $date } { $time } ({ $zone }, UTC{ $offset })
html-seconds = { $secs } s
html-file-notes = File notes
html-sync = Sync against the ledger
html-sync-unchanged = Unchanged
html-sync-new = New
html-sync-opt-out = Opt-out (ONAY → RET)
html-sync-opt-in = Opt-in (RET → ONAY)
html-sync-stale = Stale (not sent)
html-sync-pending = Pending from earlier runs
html-sync-endpoints = Requests per endpoint
html-endpoint = Endpoint
html-endpoint-unsubscribe = Unsubscribe (unsubscribe)
html-endpoint-upsert = Upsert (upsert)
html-endpoint-resubscribe = Resubscribe (resubscribe)
html-sync-none-sent = Nothing was sent.
