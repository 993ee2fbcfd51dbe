# Errors that stop a run (exit 2, 3, 130, 143) and the warnings and notes printed beside them.
# Each says what happened, where (file:line or path) and what to do. Flags and paths are shown
# as they are. The OS's own error text follows the message after ": " (it is not translated).

## The frame
err-prefix = iysync: error: { $message }
delimiter-tab = tab
warn-prefix = iysync: warning: { $message }
err-now = --now { $value } is not RFC 3339 with an offset ({ $why }); write e.g. 2026-11-22T12:00:00+03:00
err-not-a-journal = { $path } is not an iysync journal; refusing to overwrite it (choose another --journal path)
err-interrupted = interrupted
err-terminated = terminated
err-no-man-page = no man page for { $command }
err-write-man-page = cannot write the man page

## Common I/O contexts
err-cannot-open = cannot open { $path }
err-cannot-read = cannot read { $path }
err-cannot-write = cannot write { $path }
err-cannot-create = cannot create { $path }
err-write-stderr = cannot write to stderr
err-write-stdout = cannot write to stdout

## Inputs
err-no-input = no input: give one or more FILEs, or pipe the data into stdin (`-`)
err-stdin-twice = `-` (stdin) may be given only once
err-utf16-nul = { $file } is UTF-16 text holding NUL characters (character { $at }), not a consent CSV file; save it as CSV UTF-8 and run iysync on that file
err-save-as = save it as CSV UTF-8 (Excel: File > Save As > "CSV UTF-8"; LibreOffice: Save As > Text CSV, character set UTF-8, field delimiter ;) and run iysync on that file
err-file-zip = { $file } is a ZIP archive (an Excel .xlsx workbook or another packaged document), not a consent CSV file; { $save_as }
err-file-xls = { $file } is an Excel 97-2003 workbook (.xls), not a consent CSV file; { $save_as }
err-file-binary = { $file } is a binary file, or UTF-16 text without a byte-order mark (NUL byte at offset { $at }), not a consent CSV file; { $save_as }
err-utf16-with-encoding = { $file } starts with a { $encoding } byte-order mark, but --encoding says it is a legacy single-byte export; run it without --encoding (UTF-16 is decoded by itself)
err-wrong-delimiter = { $file }: no line of its first { $lines } non-blank ones holds a { $delimiter }, but { $n } of them hold { $per_line } × { $other }: the file is separated by { $other }; pass --delimiter { $flag } (outputs stay `;`-separated, as Netmera wants)

## Outputs: what may be written where (SPEC §9)
err-what-rejects = the rejects file (--rejects)
err-stdin-redirected = <stdin> (redirected from it with `<`)
err-out-is-dir = { $what } { $path } is a directory; give the path of a file
err-out-symlink = { $what } { $path } is a symbolic link; iysync never writes through one (it could lead to an input or any other file): remove the link or choose another path
err-out-parent-not-dir = { $dir } (the directory for { $what } { $path }) is not a directory; choose another path
err-out-parent-missing = the directory { $dir } for { $what } does not exist; create it or choose another path
err-out-dir-not-dir = { $what } { $dir } is not a directory; give a directory (it is created when missing)
err-kind-rejects = a rejects file
err-kind-report = an iysync report
err-kind-html = an iysync HTML report
err-out-exists-not-ours = { $what } { $path } already exists and is not { $kind } of an earlier run; pass --force to replace it, or choose another path
err-input-in-out-dir = the input { $input } has the name of an output in { $what } { $dir }: the run would replace it; move the input elsewhere or choose another { $what }
err-out-is-input = { $what } { $path } is the same file as the input { $input }: writing it would destroy the input; choose another path for { $what }
err-out-same-file = { $what_a } { $path_a } and { $what_b } { $path_b } are the same file: one would overwrite the other; give them different paths
err-out-in-out-dir = { $what_a } { $path } would replace a file the run writes in { $what_d } { $dir }; choose another path for { $what_a }
err-exists-force = { $path } already exists; pass --force to overwrite it, or choose another path
err-read-back = cannot read back { $path }
err-create-dir = cannot create the directory { $dir }
err-create-staging = cannot create a staging directory in { $dir }
err-what-out-dir = the output directory { $dir }
err-out-dir-incomplete = the files in { $dir } are an incomplete set from an interrupted run (it was stopped while replacing them; see { $marker }): pass --force to replace them, or choose another --out
err-out-dir-holds = { $dir } already holds converted output ({ $name }); pass --force to replace it, or choose another --out
err-out-dir-appeared = { $dir } holds converted output ({ $name }) that appeared during the run; pass --force to replace it, or choose another --out
err-out-dir-left-incomplete = { $what }; { $dir } now holds an incomplete set of files (marked by { $marker }): fix the cause and run again with --force
err-cannot-sync = cannot sync { $path }
err-cannot-remove = cannot remove { $path }
err-remove-earlier = cannot remove the earlier run's { $path }
err-move-into-place = cannot move { $path } into place
err-clean-up = cannot clean up in { $dir }
err-remove-leftover = cannot remove { $path }, left by an interrupted run

## Locks (one run at a time on a directory, journal or ledger)
err-lock-create = cannot create the lock file { $path }
err-lock = cannot lock { $path }
err-lock-write = cannot write the lock file { $path }
err-lock-held = another iysync run is using { $what } (lock { $path }); wait for it to finish, or give this run another path
err-lock-held-pid = another iysync run (pid { $pid }) is using { $what } (lock { $path }); wait for it to finish, or give this run another path
err-lock-held-inode = another iysync run is using { $what } through another name (a hard link, or another path to the same file); wait for it to finish
err-what-ledger = the ledger { $path }

## Writing the outputs and reports
err-rejects-complete = the rejects file was already complete
err-remove-earlier-rejects = cannot remove the earlier rejects file { $path }
err-netmera-needs-out = --to netmera needs --out DIR
err-write-bodies = cannot write the Upsert bodies
err-writer-stopped = the thread writing them stopped unexpectedly
err-write-report = cannot write the report { $path }
err-write-report-stdout = cannot write the report to stdout

## Uploads: why one stopped (exit 3) and what to do
err-up-auth = Insider refused the credentials (HTTP { $status }: { $message }); check the partner name and the token
err-up-retries = request { $seq } still failed after all retries (last error: { $last })
err-up-unexpected = { $url } answered { $what }; { $why }
err-up-tls = no secure connection to { $host }: { $what }. Check the URL, and whether a proxy intercepts TLS (its CA certificate can be given with SSL_CERT_FILE or SSL_CERT_DIR; the system's certificate store is used)
err-up-wait-too-long = the server asked to wait { $asked } before the next attempt (Retry-After), longer than --max-wait { $max }s; rerun later, or raise --max-wait
err-up-journal = could not record progress: { $error }
err-up-not-insider = that is not an answer of Insider's API, so whether the request was applied is unknown (nothing was recorded as refused). Check the URL (--unification-url / --contact-url) and any proxy in between, then rerun
err-up-failed-users = Insider reported { $n } failed { $n_count ->
        [one] user
       *[other] users
    }
err-up-failed-users-unreadable = Insider reported failed users (data.fail.count unreadable)
err-up-mapped = , of which { $mapped } could be mapped to rows
err-up-stray-keys = {" "}({ $stray } error { $stray_count ->
        [one] key does
       *[other] keys do
    } not name a user as users.<index>.…)
err-up-unmapped-what-to-do = , so whether the others were applied is unknown: nothing of this request was recorded as accepted or refused, and a rerun sends it again. Check that --unification-url is Insider's Upsert API and that no proxy rewrites its answers; if it is Insider answering, its failure format is not the documented one (data.fail.errors keyed users.<index>.…): report the answer quoted here to Insider support

## The destination: URLs, partner, token, HTTP client
err-url-invalid = not a valid base URL ({ $error })
err-url-credentials = the base URL must not contain credentials
err-url-no-host = the base URL has no host
err-url-path = give a base URL (scheme, host, optional port) without a path; the API paths are appended
err-url-http = plain http is only allowed to a loopback host (127.0.0.1, ::1, localhost); use https
err-url-scheme = unsupported URL scheme `{ $scheme }`; use https
err-http-runtime = cannot start the HTTP runtime: { $error }
err-http-client = cannot set up the HTTP client: { $error }
err-partner-empty = the partner name is empty
err-token-empty = the token is empty
err-rate-zero = the rate must be at least 1 request per minute
err-partner-header = the partner name contains characters not allowed in an HTTP header
err-token-header = the token contains characters not allowed in an HTTP header

## Tokens, partner, journal
err-no-token = no API token: set { $env } in the environment or pass --token-file PATH (tokens are never taken from the command line)
err-no-token-for = no API token for { $command }: set { $env }
err-token-file-read = cannot read the token file { $path }
err-token-file-empty = the token file { $path } is empty; put the { $env } token in it (one line)
warn-token-file-mode = the token file { $path } can be read by other users (mode { $mode }); restrict it with `chmod 600 { $path }`
err-no-partner = no partner name: pass --partner NAME or set INSIDER_PARTNER_NAME{ $why }
err-no-state-dir-journal = no state directory on this system: pass --journal PATH
err-journal-dir = cannot create the directory of the journal { $path }
err-what-journal = the journal { $path }
err-journal-open = cannot open the journal { $path }
err-journal-write = cannot write the journal
warn-journal-discarded = the journal { $path } was not resumed: { $why }; it was started anew and every request is sent
warn-journal-skipped = { $n } unreadable { $n_count ->
        [one] line
       *[other] lines
    } in the journal { $path } { $n_count ->
        [one] was
       *[other] were
    } skipped; { $n_count ->
        [one] its request is
       *[other] their requests are
    } sent again
err-planner-stopped = internal error: the request planner stopped
warn-refused-out-of-range = Insider reported { $n } refused { $n_count ->
        [one] record
       *[other] records
    } at positions that are not in their request; they were ignored (those requests count as accepted)
err-upload-aborted-rerun = upload aborted: { $error }; what was acknowledged is in the journal, rerun the same command to send the rest
err-upload-aborted-fix = upload aborted: { $error }; what was acknowledged is in the journal, so once that is fixed a rerun sends only the rest
note-acknowledged = { $acknowledged } of the { $requests } { $requests_count ->
        [one] request
       *[other] requests
    } sent { $acknowledged_count ->
        [one] was
       *[other] were
    } acknowledged and { $acknowledged_count ->
        [one] is
       *[other] are
    } recorded in { $path }

## Flags and setup
err-external-id-as = --external-id-as { $value }: write `uuid` or `custom:NAME` (NAME of letters, digits and _)
err-signal-handler = cannot install the signal handler: { $error }
err-timezone = --timezone { $value } is not an IANA time zone; use a name such as Europe/Istanbul or UTC
err-too-many-files = { $n } input files given; one run reads at most { $max } (concatenate them first)
err-jobs-zero = --jobs must be at least 1
err-netmera-only-flags = --keep-history and --split-rows are for --to netmera; Insider bodies carry the resolved state
err-insider-only-flags = --external-id-as, --skip-hook and --consent-event are for --to insider
err-netmera-out-dir = --to netmera writes email.csv and sms.csv: give a directory with --out

## Temporary files (the spool of valid records, the history put in time order)
err-spool-write = cannot write the temporary spool of valid records in { $dir } (about 45 bytes a row); free space there or point TMPDIR at a larger disk
err-spool-create = cannot create a temporary file in { $dir } for the second pass; point TMPDIR at a writable directory
err-spool-chunk = cannot spool the valid records of a chunk of the input
err-spool-chunk-why = they are over 4 GiB (a row of gigabytes?)
err-spool-damaged = the temporary spool of valid records could not be read back; run again, and check the disk holding TMPDIR if it happens again
err-spool-read = cannot read back the temporary spool of valid records; check the disk holding TMPDIR
order-purpose-history = put the history in time order
order-purpose-sync-plan = sort the records by recipient for the sync's plan
err-order-line = cannot { $purpose } (a line of over 4 GiB)
err-order-line-why = it is over 4 GiB
err-order-write = cannot write a temporary file in { $dir } to { $purpose } (it takes about as much space as the output); free space there or point TMPDIR at a larger disk
err-order-read = cannot read back a temporary file in { $dir } used to { $purpose }; run again, and check the disk holding TMPDIR if it happens again
err-order-create = cannot create a temporary file in { $dir } to { $purpose }; point TMPDIR at a writable directory
err-order-checksum = its checksum does not match what was written
journal-header-incomplete = its header is incomplete
journal-header-unreadable = its header is unreadable
journal-other-version = it was written by another version of iysync (journal version { $version })
journal-other-partner = it was written for partner `{ $partner }`
journal-other-url = it was written for { $flag } { $url }
journal-other-run = it was written for other inputs or options

## iysync ledger and the HTML report
err-ledger-no-partner = the ledger { $path } has no partner { $partner }; `iysync ledger stats` lists its partners
err-not-a-recipient = { $value } is not a recipient: { $why }
err-write-html = cannot write the HTML report { $path }
err-recipient-separator = a recipient cannot hold `;` or a line break
err-recipient-empty = the recipient is empty

## What iysync says of a connection and an answer (inside the upload errors)
net-tls-cert-or-tls = the secure connection could not be set up (certificate or TLS error)
net-tls-unknown-issuer = its certificate was not issued by a certificate authority this system trusts (a self-signed certificate, or a proxy's own CA)
net-tls-expired = its certificate has expired
net-tls-not-valid-yet = its certificate is not valid yet (check this machine's clock)
net-tls-revoked = its certificate has been revoked
net-tls-wrong-name = its certificate is for another host name
net-tls-damaged = its certificate is damaged or forged
net-tls-purpose = its certificate is not meant for a web server
net-tls-ca-as-own = it presented a certificate authority's certificate as its own (a self-signed certificate)
net-tls-not-accepted = its certificate was not accepted
net-tls-not-tls = it does not speak TLS (is it a plain http:// server, or the wrong port?)
net-tls-no-certificate = it presented no certificate
net-tls-alert = it ended the secure handshake ({ $alert })
net-tls-incompatible = it supports no TLS version or cipher this program accepts
net-tls-failed = the secure connection could not be set up
net-timed-out = timed out
net-could-not-connect = could not connect
net-reading-failed = failed while reading the answer
net-connection-error = connection error
net-no-content-type = no content type
net-empty-body = an empty body
net-body-bytes = { $n } { $n_count ->
        [one] byte
       *[other] bytes
    }: "{ $snippet }"
duration-s = { $s }s
duration-m-s = { $m }m { $s }s
duration-h-m-s = { $h }h { $m }m { $s }s

err-plan-spool-io = cannot write or read the sync plan's changes in the temporary directory { $dir } (about 80 bytes a change); free space there or point TMPDIR at a larger disk
err-plan-spool-damaged = the sync plan's changes could not be read back from their temporary file (at byte { $offset }); nothing more was sent, and what Insider did not acknowledge stays pending in the ledger for the next run: check the disk holding TMPDIR
err-plan-spool-too-large = the sync plan's changes take more than 1 TiB in the temporary directory: sync the inputs in parts

## The ledger (iysync sync, iysync ledger)
err-ledger-db = ledger { $path }: cannot { $what }: { $error }; check the file (sqlite3 { $path } 'PRAGMA integrity_check'), or pass another --state
err-ledger-write = ledger { $path }: cannot { $what }: { $error }
err-ledger-create-dir = cannot create the directory of the ledger { $path }
err-ledger-none = no ledger at { $path } (iysync sync creates it; pass --state PATH for another one)
err-ledger-read = cannot read { $path }
err-ledger-copy-path = cannot copy the ledger { $path } to the non-UTF-8 path { $copy }
err-ledger-wal = ledger { $path }: SQLite refused WAL mode (journal mode { $mode }); put the ledger on a local file system
err-ledger-not-ours = { $path } is an SQLite database but not an iysync ledger; pass --state with the ledger's path (or a new file)
err-ledger-newer = the ledger { $path } has schema version { $version }, newer than this iysync understands ({ $known }); it was written by a newer iysync: upgrade iysync (the ledger is left untouched)
err-ledger-symlink = the ledger path { $path } is a symlink; give the real path with --state (outputs are never written through symlinks)
err-ledger-create = cannot create the ledger { $path }
err-ledger-no-state-dir = no state directory on this system: pass --state PATH
err-sync-flag = sync does not take { $flag }: the ledger (--state) is its journal, and its three tokens come from INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN and INSIDER_RESUBSCRIBE_TOKEN
err-sync-partner-why = {" "}(the ledger keeps each partner's keys apart)
# What the ledger could not do: the English phrase is the id (src/ledger/store.rs `action`).
ledger-do-begin-a-migration = begin a migration
ledger-do-begin-a-run = begin a run
ledger-do-begin-recording-a-refusal = begin recording a refusal
ledger-do-begin-recording-an-acknowledgement = begin recording an acknowledgement
ledger-do-begin-recording-the-plan = begin recording the plan
ledger-do-begin-the-baseline = begin the baseline
ledger-do-begin-the-ledger-updates = begin the ledger updates
ledger-do-commit-a-migration = commit a migration
ledger-do-commit-a-refusal = commit a refusal
ledger-do-commit-an-acknowledgement = commit an acknowledgement
ledger-do-commit-the-baseline = commit the baseline
ledger-do-commit-the-ledger-updates = commit the ledger updates
ledger-do-commit-the-plan = commit the plan
ledger-do-commit-the-run = commit the run
ledger-do-configure-it = configure it
ledger-do-copy-it-for-the-dry-run = copy it for the dry run
ledger-do-count-its-keys = count its keys
ledger-do-migrate-it-to-the-new-schema = migrate it to the new schema
ledger-do-open-it = open it
ledger-do-open-it-for-reading = open it for reading
ledger-do-read-a-key = read a key
ledger-do-read-a-key-s-history = read a key's history
ledger-do-read-its-application-id = read its application id
ledger-do-read-its-schema-version = read its schema version
ledger-do-read-its-tables = read its tables
ledger-do-read-the-ledger = read the ledger
ledger-do-read-the-partner = read the partner
ledger-do-read-the-partners = read the partners
ledger-do-record-a-migration = record a migration
ledger-do-record-a-refusal = record a refusal
ledger-do-record-an-acknowledgement = record an acknowledgement
ledger-do-record-the-baseline = record the baseline
ledger-do-record-the-end-of-the-run = record the end of the run
ledger-do-record-the-partner = record the partner
ledger-do-record-the-plan = record the plan
ledger-do-record-the-request = record the request
ledger-do-record-the-run = record the run
ledger-do-record-the-run-s-inputs = record the run's inputs
ledger-do-record-the-schema-version = record the schema version
ledger-do-set-its-busy-timeout = set its busy timeout
ledger-do-switch-it-to-wal-mode = switch it to WAL mode
ledger-do-update-consent-times = update consent times
err-sync-ack-unrecorded = Insider answered a request to its { $endpoint } endpoint ({ $records } { $records_count ->
        [one] record
       *[other] records
    }), but the ledger could not record the answer: { $error }. Nothing more was sent. Those records stay pending in the ledger { $path }, as do those of any request still in flight, and the next `iysync sync` on this ledger sends them again: check the disk space and the file (sqlite3 { $path } 'PRAGMA integrity_check') first, and keep this --state (another ledger would not know what was sent)
