# iysync's texts of the upload commands' dry-run plan and progress line, in English.
# Every key is also in i18n/tr/upload.ftl (a test checks).
# A count passed as $x is already grouped (5,000,000); $x_count is the number, for the noun's form.

upload-dry-run = dry run of `iysync { $command }`: { $records } { $records_count ->
        [one] record
       *[other] records
    } in { $requests } { $requests_count ->
        [one] request
       *[other] requests
    }, { $bytes } { $bytes_count ->
        [one] byte
       *[other] bytes
    }; nothing was sent
upload-dry-run-skipped = { $n } resolved { $n_count ->
        [one] record is
       *[other] records are
    } not for { $command } (skipped)
progress-upload = { $requests } { $requests_count ->
        [one] request
       *[other] requests
    }, { $accepted } accepted, { $refused } refused, { $retries } { $retries_count ->
        [one] retry
       *[other] retries
    }
progress-upload-wait = { $line }, rate-limit wait { $wait } s
