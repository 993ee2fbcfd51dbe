# Çalıştırmayı durduran hatalar (çıkış kodu 2, 3, 130, 143) ve yanlarında yazılan uyarılar ve
# notlar. Her biri ne olduğunu, nerede olduğunu (dosya:satır ya da yol) ve ne yapılacağını söyler.
# Seçenek adları ve yollar olduğu gibi yazılır. İşletim sisteminin kendi hata metni iletiden sonra
# ": " ile gelir (çevrilmez).

## Çerçeve
err-prefix = iysync: hata: { $message }
delimiter-tab = sekme
warn-prefix = iysync: uyarı: { $message }
err-now = --now { $value } ofsetli bir RFC 3339 zamanı değil ({ $why }); örneğin 2026-11-22T12:00:00+03:00 yazın
err-not-a-journal = { $path } bir iysync günlüğü (journal) değil; üzerine yazılmadı (başka bir --journal yolu seçin)
err-interrupted = kesildi (Ctrl-C)
err-terminated = sonlandırıldı (SIGTERM)
err-no-man-page = { $command } için kılavuz sayfası yok
err-write-man-page = kılavuz sayfası yazılamadı

## Sık kullanılan G/Ç bağlamları
err-cannot-open = { $path } açılamadı
err-cannot-read = { $path } okunamadı
err-cannot-write = { $path } yazılamadı
err-cannot-create = { $path } oluşturulamadı
err-write-stderr = stderr'e yazılamadı
err-write-stdout = stdout'a yazılamadı

## Girdiler
err-no-input = girdi yok: bir ya da daha fazla DOSYA verin veya verileri stdin'e yönlendirin (`-`)
err-stdin-twice = `-` (stdin) yalnızca bir kez verilebilir
err-utf16-nul = { $file } NUL karakterleri içeren bir UTF-16 metni (NUL karakteri, konum { $at }), izin CSV dosyası değil; dosyayı CSV UTF-8 olarak kaydedip iysync'i o dosyayla çalıştırın
err-save-as = dosyayı CSV UTF-8 olarak kaydedin (Excel: Dosya > Farklı Kaydet > "CSV UTF-8 (Virgülle ayrılmış)"; LibreOffice: Farklı Kaydet > Metin CSV, karakter kümesi UTF-8, alan ayırıcı ;) ve iysync'i o dosyayla çalıştırın
err-file-zip = { $file } bir ZIP arşivi (Excel .xlsx çalışma kitabı ya da paketlenmiş başka bir belge), izin CSV dosyası değil; { $save_as }
err-file-xls = { $file } bir Excel 97-2003 çalışma kitabı (.xls), izin CSV dosyası değil; { $save_as }
err-file-binary = { $file } ikili (binary) bir dosya ya da bayt sırası işareti (BOM) olmayan bir UTF-16 metni (NUL baytı, konum { $at }), izin CSV dosyası değil; { $save_as }
err-utf16-with-encoding = { $file } bir { $encoding } bayt sırası işaretiyle (BOM) başlıyor, ama --encoding onu tek baytlık eski bir dışa aktarım sayıyor; --encoding vermeden çalıştırın (UTF-16 kendiliğinden çözülür)
err-wrong-delimiter = { $file }: boş olmayan ilk { $lines } satırın hiçbirinde { $delimiter } yok, ama { $n } satırda { $per_line } × { $other } var: dosyanın alanları { $other } ile ayrılmış; --delimiter { $flag } verin (çıktılar Netmera'nın istediği gibi `;` ile ayrılmaya devam eder)

## Çıktılar: nereye ne yazılabilir (SPEC §9)
err-what-rejects = reddedilenler dosyası (--rejects)
err-stdin-redirected = <stdin> (`<` ile bir dosyadan yönlendirilmiş)
err-out-is-dir = { $what } { $path } bir dizin; bir dosya yolu verin
err-out-symlink = { $what } { $path } bir sembolik bağlantı; iysync bağlantı üzerinden asla yazmaz (bir girdi dosyasına ya da başka herhangi bir dosyaya çıkabilir): bağlantıyı silin ya da başka bir yol seçin
err-out-parent-not-dir = { $dir } ({ $what } { $path } için dizin) bir dizin değil; başka bir yol seçin
err-out-parent-missing = { $what } için { $dir } dizini yok; dizini oluşturun ya da başka bir yol seçin
err-out-dir-not-dir = { $what } { $dir } bir dizin değil; bir dizin verin (yoksa oluşturulur)
err-kind-rejects = bir reddedilenler dosyası
err-kind-report = bir iysync raporu
err-kind-html = bir iysync HTML raporu
err-out-exists-not-ours = { $what } { $path } zaten var ve önceki bir çalıştırmadan kalmış { $kind } değil; değiştirmek için --force verin ya da başka bir yol seçin
err-input-in-out-dir = { $input } girdi dosyası, { $what } { $dir } içindeki bir çıktıyla aynı adı taşıyor: çalıştırma onun üzerine yazar; girdiyi başka bir yere taşıyın ya da başka bir { $what } seçin
err-out-is-input = { $what } { $path }, { $input } girdi dosyasıyla aynı dosya: yazmak girdiyi yok eder; { $what } için başka bir yol seçin
err-out-same-file = { $what_a } { $path_a } ile { $what_b } { $path_b } aynı dosya: biri ötekinin üzerine yazar; farklı yollar verin
err-out-in-out-dir = { $what_a } { $path }, çalıştırmanın { $what_d } { $dir } içine yazdığı bir dosyanın yerini alır; { $what_a } için başka bir yol seçin
err-exists-force = { $path } zaten var; üzerine yazmak için --force verin ya da başka bir yol seçin
err-read-back = { $path } geri okunamadı
err-create-dir = { $dir } dizini oluşturulamadı
err-create-staging = { $dir } içinde geçici bir hazırlık dizini oluşturulamadı
err-what-out-dir = { $dir } çıktı dizini
err-out-dir-incomplete = { $dir } içindeki dosyalar, yarıda kesilmiş bir çalıştırmadan kalan eksik bir takım (dosyalar değiştirilirken durdurulmuş; bkz. { $marker }): değiştirmek için --force verin ya da başka bir --out seçin
err-out-dir-holds = { $dir } içinde zaten dönüştürülmüş çıktı var ({ $name }); değiştirmek için --force verin ya da başka bir --out seçin
err-out-dir-appeared = { $dir } içinde çalıştırma sırasında ortaya çıkan dönüştürülmüş çıktı var ({ $name }); değiştirmek için --force verin ya da başka bir --out seçin
err-out-dir-left-incomplete = { $what }; { $dir } içinde artık eksik bir dosya takımı var ({ $marker } ile işaretli): sorunu giderip --force ile yeniden çalıştırın
err-cannot-sync = { $path } diske eşitlenemedi (sync)
err-cannot-remove = { $path } silinemedi
err-remove-earlier = önceki çalıştırmanın dosyası { $path } silinemedi
err-move-into-place = { $path } yerine taşınamadı
err-clean-up = { $dir } içinde temizlik yapılamadı
err-remove-leftover = yarıda kesilmiş bir çalıştırmadan kalan { $path } silinemedi

## Kilitler (bir dizin, günlük ya da defter aynı anda tek bir çalıştırmada)
err-lock-create = { $path } kilit dosyası oluşturulamadı
err-lock = { $path } kilitlenemedi
err-lock-write = { $path } kilit dosyası yazılamadı
err-lock-held = { $what } başka bir iysync çalıştırması tarafından kullanılıyor (kilit: { $path }); onun bitmesini bekleyin ya da bu çalıştırmaya başka bir yol verin
err-lock-held-pid = { $what } başka bir iysync çalıştırması (pid { $pid }) tarafından kullanılıyor (kilit: { $path }); onun bitmesini bekleyin ya da bu çalıştırmaya başka bir yol verin
err-lock-held-inode = { $what } başka bir iysync çalıştırması tarafından başka bir adla (sabit bağlantı ya da aynı dosyaya giden başka bir yol) kullanılıyor; onun bitmesini bekleyin
err-what-ledger = { $path } defteri

## Çıktıları ve raporları yazma
err-rejects-complete = reddedilenler dosyası zaten tamamlanmıştı
err-remove-earlier-rejects = önceki reddedilenler dosyası { $path } silinemedi
err-netmera-needs-out = --to netmera için --out DİZİN gerekir
err-write-bodies = Upsert istek gövdeleri yazılamadı
err-writer-stopped = onları yazan iş parçacığı beklenmedik biçimde durdu
err-write-report = { $path } raporu yazılamadı
err-write-report-stdout = rapor stdout'a yazılamadı

## Yüklemeler: neden durdu (çıkış kodu 3) ve ne yapılmalı
err-up-auth = Insider kimlik bilgilerini reddetti (HTTP { $status }: { $message }); partner adını ve token'ı kontrol edin
err-up-retries = { $seq } numaralı istek tüm yeniden denemelerden sonra da başarısız oldu (son hata: { $last })
err-up-unexpected = { $url } şu yanıtı verdi: { $what }; { $why }
err-up-tls = { $host } ile güvenli bağlantı kurulamadı: { $what }. URL'yi ve araya giren bir proxy'nin TLS trafiğini açıp açmadığını kontrol edin (proxy'nin CA sertifikası SSL_CERT_FILE ya da SSL_CERT_DIR ile verilebilir; sistemin sertifika deposu kullanılır)
err-up-wait-too-long = sunucu bir sonraki denemeden önce { $asked } beklenmesini istedi (Retry-After); bu, --max-wait { $max } sn sınırından uzun; daha sonra yeniden çalıştırın ya da --max-wait değerini artırın
err-up-journal = ilerleme kaydedilemedi: { $error }
err-up-not-insider = bu, Insider API'sinin verdiği bir yanıt değil; bu yüzden isteğin uygulanıp uygulanmadığı bilinmiyor (hiçbir kayıt reddedildi olarak işaretlenmedi). URL'yi (--unification-url / --contact-url) ve aradaki proxy'leri kontrol edip yeniden çalıştırın
err-up-failed-users = Insider { $n } kullanıcının başarısız olduğunu bildirdi
err-up-failed-users-unreadable = Insider başarısız kullanıcılar bildirdi (data.fail.count okunamadı)
err-up-mapped = ; bunların { $mapped } tanesi satırlarla eşleştirilebildi
err-up-stray-keys = {" "}({ $stray } hata anahtarı bir kullanıcıyı users.<index>.… biçiminde göstermiyor)
err-up-unmapped-what-to-do = ; bu yüzden diğerlerinin uygulanıp uygulanmadığı bilinmiyor: bu isteğin hiçbir kaydı kabul ya da ret olarak işaretlenmedi ve yeniden çalıştırma onu tekrar gönderir. --unification-url değerinin Insider'ın Upsert API'si olduğunu ve yanıtları değiştiren bir proxy bulunmadığını kontrol edin; yanıtı veren Insider ise, hata biçimi belgelenen biçim değil (users.<index>.… anahtarlı data.fail.errors): burada alıntılanan yanıtı Insider desteğine iletin

## Hedef: URL'ler, partner, token, HTTP istemcisi
err-url-invalid = geçerli bir temel URL değil ({ $error })
err-url-credentials = temel URL kimlik bilgisi (kullanıcı adı, parola) içermemeli
err-url-no-host = temel URL'de sunucu adı yok
err-url-path = yolu olmayan bir temel URL verin (şema, sunucu, isteğe bağlı port); API yolları sonuna eklenir
err-url-http = düz http yalnızca yerel bir sunucuya (127.0.0.1, ::1, localhost) izinlidir; https kullanın
err-url-scheme = desteklenmeyen URL şeması `{ $scheme }`; https kullanın
err-http-runtime = HTTP çalışma ortamı başlatılamadı: { $error }
err-http-client = HTTP istemcisi kurulamadı: { $error }
err-partner-empty = partner adı boş
err-token-empty = token boş
err-rate-zero = hız en az dakikada 1 istek olmalı
err-partner-header = partner adı bir HTTP başlığında kullanılamayacak karakterler içeriyor
err-token-header = token bir HTTP başlığında kullanılamayacak karakterler içeriyor

## Token, partner, günlük (journal)
err-no-token = API token'ı yok: ortamda { $env } değişkenini tanımlayın ya da --token-file YOL verin (token'lar komut satırından asla alınmaz)
err-no-token-for = { $command } için API token'ı yok: { $env } değişkenini tanımlayın
err-token-file-read = { $path } token dosyası okunamadı
err-token-file-empty = { $path } token dosyası boş; { $env } token'ını dosyaya yazın (tek satır)
warn-token-file-mode = { $path } token dosyasını başka kullanıcılar da okuyabiliyor (izinler { $mode }); `chmod 600 { $path }` ile kısıtlayın
err-no-partner = partner adı yok: --partner AD verin ya da INSIDER_PARTNER_NAME değişkenini tanımlayın{ $why }
err-no-state-dir-journal = bu sistemde durum dizini (state dir) yok: --journal YOL verin
err-journal-dir = { $path } günlüğünün dizini oluşturulamadı
err-what-journal = { $path } günlüğü
err-journal-open = { $path } günlüğü açılamadı
err-journal-write = günlük (journal) yazılamadı
warn-journal-discarded = { $path } günlüğünden devam edilmedi: { $why }; günlük yeniden başlatıldı ve tüm istekler gönderiliyor
warn-journal-skipped = { $path } günlüğündeki okunamayan { $n } satır atlandı; bu satırların istekleri yeniden gönderiliyor
err-planner-stopped = iç hata: istek planlayıcı durdu
warn-refused-out-of-range = Insider, isteklerinde bulunmayan konumlarda { $n } reddedilen kayıt bildirdi; bunlar yok sayıldı (o istekler kabul edilmiş sayılır)
err-upload-aborted-rerun = yükleme durduruldu: { $error }; Insider'ın teslim aldığı istekler günlükte (journal) kayıtlı, kalanları göndermek için aynı komutu yeniden çalıştırın
err-upload-aborted-fix = yükleme durduruldu: { $error }; Insider'ın teslim aldığı istekler günlükte (journal) kayıtlı, sorunu giderdikten sonra yeniden çalıştırdığınızda yalnızca kalanlar gönderilir
note-acknowledged = gönderilen { $requests } isteğin { $acknowledged } tanesini Insider teslim aldı; bunlar { $path } içine kaydedildi

## Seçenekler ve hazırlık
err-external-id-as = --external-id-as { $value }: `uuid` ya da `custom:AD` yazın (AD harf, rakam ve _ içerebilir)
err-signal-handler = sinyal işleyicisi kurulamadı: { $error }
err-timezone = --timezone { $value } bir IANA saat dilimi değil; Europe/Istanbul ya da UTC gibi bir ad kullanın
err-too-many-files = { $n } girdi dosyası verildi; bir çalıştırma en fazla { $max } dosya okur (önce dosyaları birleştirin)
err-jobs-zero = --jobs en az 1 olmalı
err-netmera-only-flags = --keep-history ve --split-rows yalnızca --to netmera içindir; Insider istek gövdeleri sonuçlanmış durumu taşır
err-insider-only-flags = --external-id-as, --skip-hook ve --consent-event yalnızca --to insider içindir
err-netmera-out-dir = --to netmera, email.csv ve sms.csv dosyalarını yazar: --out ile bir dizin verin

## Geçici dosyalar (geçerli kayıtların ara deposu, zaman sırasına konan geçmiş)
err-spool-write = geçerli kayıtların geçici ara deposu { $dir } içine yazılamadı (satır başına yaklaşık 45 bayt); orada yer açın ya da TMPDIR'i daha büyük bir diske yönlendirin
err-spool-create = ikinci geçiş için { $dir } içinde geçici dosya oluşturulamadı; TMPDIR'i yazılabilir bir dizine yönlendirin
err-spool-chunk = girdinin bir bölümündeki geçerli kayıtlar ara depoya yazılamadı
err-spool-chunk-why = 4 GiB'tan büyükler (gigabaytlarca uzunlukta bir satır mı?)
err-spool-damaged = geçerli kayıtların geçici ara deposu geri okunamadı; yeniden çalıştırın, yine olursa TMPDIR'in bulunduğu diski kontrol edin
err-spool-read = geçerli kayıtların geçici ara deposu geri okunamadı; TMPDIR'in bulunduğu diski kontrol edin
order-purpose-history = geçmişi zaman sırasına koymak
order-purpose-sync-plan = senkronizasyon planı için kayıtları alıcıya göre sıralamak
err-order-line = { $purpose } için bir satır fazla uzun (4 GiB'tan büyük)
err-order-line-why = 4 GiB'tan büyük
err-order-write = { $purpose } için { $dir } içine geçici dosya yazılamadı (yaklaşık çıktı kadar yer kaplar); orada yer açın ya da TMPDIR'i daha büyük bir diske yönlendirin
err-order-read = { $purpose } için { $dir } içinde kullanılan geçici dosya geri okunamadı; yeniden çalıştırın, yine olursa TMPDIR'in bulunduğu diski kontrol edin
err-order-create = { $purpose } için { $dir } içinde geçici dosya oluşturulamadı; TMPDIR'i yazılabilir bir dizine yönlendirin
err-order-checksum = sağlama toplamı yazılanla uyuşmuyor
journal-header-incomplete = başlığı eksik
journal-header-unreadable = başlığı okunamıyor
journal-other-version = iysync'in başka bir sürümüyle yazılmış (günlük sürümü { $version })
journal-other-partner = başka bir partner için yazılmış: `{ $partner }`
journal-other-url = başka bir { $flag } için yazılmış: { $url }
journal-other-run = başka girdiler ya da seçenekler için yazılmış

## iysync ledger ve HTML raporu
err-ledger-no-partner = { $path } defterinde { $partner } adlı bir partner yok; partnerleri `iysync ledger stats` listeler
err-not-a-recipient = { $value } bir alıcı değil: { $why }
err-write-html = { $path } HTML raporu yazılamadı
err-recipient-separator = bir alıcı `;` ya da satır sonu içeremez
err-recipient-empty = alıcı boş

## Bir bağlantı ve bir yanıt için iysync'in söyledikleri (yükleme hatalarının içinde)
net-tls-cert-or-tls = güvenli bağlantı kurulamadı (sertifika ya da TLS hatası)
net-tls-unknown-issuer = sertifikası bu sistemin güvendiği bir sertifika otoritesince verilmemiş (kendinden imzalı bir sertifika ya da bir vekil sunucunun (proxy) kendi CA'sı)
net-tls-expired = sertifikasının süresi dolmuş
net-tls-not-valid-yet = sertifikası henüz geçerli değil (bu makinenin saatini denetleyin)
net-tls-revoked = sertifikası iptal edilmiş
net-tls-wrong-name = sertifikası başka bir sunucu adı için verilmiş
net-tls-damaged = sertifikası bozuk ya da sahte
net-tls-purpose = sertifikası bir web sunucusu için değil
net-tls-ca-as-own = kendi sertifikası yerine bir sertifika otoritesinin sertifikasını sundu (kendinden imzalı bir sertifika)
net-tls-not-accepted = sertifikası kabul edilmedi
net-tls-not-tls = TLS konuşmuyor (düz bir http:// sunucusu ya da yanlış port olabilir mi?)
net-tls-no-certificate = hiç sertifika sunmadı
net-tls-alert = güvenli bağlantı kurulumunu kesti ({ $alert })
net-tls-incompatible = bu programın kabul ettiği hiçbir TLS sürümünü ya da şifreleme yöntemini desteklemiyor
net-tls-failed = güvenli bağlantı kurulamadı
net-timed-out = zaman aşımı
net-could-not-connect = bağlanılamadı
net-reading-failed = yanıt okunurken bağlantı koptu
net-connection-error = bağlantı hatası
net-no-content-type = içerik türü yok
net-empty-body = boş gövde
net-body-bytes = { $n } bayt: "{ $snippet }"
duration-s = { $s } sn
duration-m-s = { $m } dk { $s } sn
duration-h-m-s = { $h } sa { $m } dk { $s } sn

err-plan-spool-io = senkronizasyon planındaki değişiklikler { $dir } geçici dizinine yazılamadı ya da oradan okunamadı (değişiklik başına yaklaşık 80 bayt); orada yer açın ya da TMPDIR'i daha büyük bir diske yönlendirin
err-plan-spool-damaged = senkronizasyon planındaki değişiklikler geçici dosyalarından geri okunamadı ({ $offset }. bayt); başka bir şey gönderilmedi, Insider'ın onaylamadığı her şey defterde bekleyen olarak kalıyor ve bir sonraki çalıştırmada yeniden gönderilecek: TMPDIR'in bulunduğu diski kontrol edin
err-plan-spool-too-large = senkronizasyon planındaki değişiklikler geçici dizinde 1 TiB'tan fazla yer tutuyor: girdileri parça parça senkronize edin

## Defter (iysync sync, iysync ledger)
err-ledger-db = { $path } defteri: şu işlem yapılamadı: { $what } ({ $error }); dosyayı denetleyin (sqlite3 { $path } 'PRAGMA integrity_check') ya da başka bir --state verin
err-ledger-write = { $path } defteri: şu işlem yapılamadı: { $what } ({ $error })
err-ledger-create-dir = { $path } defterinin dizini oluşturulamadı
err-ledger-none = { $path } konumunda defter yok (iysync sync onu oluşturur; başka bir defter için --state YOL verin)
err-ledger-read = { $path } okunamadı
err-ledger-copy-path = { $path } defteri UTF-8 olmayan { $copy } yoluna kopyalanamaz
err-ledger-wal = { $path } defteri: SQLite WAL kipini kabul etmedi (günlük kipi { $mode }); defteri yerel bir dosya sistemine koyun
err-ledger-not-ours = { $path } bir SQLite veritabanı ama iysync defteri değil; --state ile defterin yolunu (ya da yeni bir dosya) verin
err-ledger-newer = { $path } defterinin şema sürümü { $version }; bu iysync'in bildiğinden ({ $known }) yeni, yani daha yeni bir iysync yazmış: iysync'i güncelleyin (defterde hiçbir şey değiştirilmedi)
err-ledger-symlink = { $path } defter yolu bir sembolik bağlantı; --state ile gerçek yolu verin (çıktılar hiçbir zaman bağlantı üzerinden yazılmaz)
err-ledger-create = { $path } defteri oluşturulamadı
err-ledger-no-state-dir = bu sistemde bir durum (state) dizini yok: --state YOL verin
err-sync-flag = sync { $flag } almaz: defter (--state) onun günlüğüdür ve üç token'ı INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN ve INSIDER_RESUBSCRIBE_TOKEN ortam değişkenlerinden gelir
err-sync-partner-why = {" "}(defter her partnerin alıcılarını ayrı tutar)
# Defterin yapamadığı işlem: kimliği İngilizce ifadedir (src/ledger/store.rs `action`).
ledger-do-begin-a-migration = bir şema geçişini başlatmak
ledger-do-begin-a-run = bir çalıştırmayı başlatmak
ledger-do-begin-recording-a-refusal = kabul edilmeyen kayıtları yazmaya başlamak
ledger-do-begin-recording-an-acknowledgement = Insider'ın teslim aldığı bir isteği yazmaya başlamak
ledger-do-begin-recording-the-plan = planı yazmaya başlamak
ledger-do-begin-the-baseline = başlangıç kaydını başlatmak
ledger-do-begin-the-ledger-updates = defter güncellemelerini başlatmak
ledger-do-commit-a-migration = bir şema geçişini kalıcı olarak yazmak
ledger-do-commit-a-refusal = kabul edilmeyen kayıtları kalıcı olarak yazmak
ledger-do-commit-an-acknowledgement = teslim alınan bir isteği kalıcı olarak yazmak
ledger-do-commit-the-baseline = başlangıç kaydını kalıcı olarak yazmak
ledger-do-commit-the-ledger-updates = defter güncellemelerini kalıcı olarak yazmak
ledger-do-commit-the-plan = planı kalıcı olarak yazmak
ledger-do-commit-the-run = çalıştırmayı kalıcı olarak yazmak
ledger-do-configure-it = defteri yapılandırmak
ledger-do-copy-it-for-the-dry-run = deneme çalıştırması için defteri kopyalamak
ledger-do-count-its-keys = defterdeki alıcıları saymak
ledger-do-migrate-it-to-the-new-schema = defteri yeni şemaya geçirmek
ledger-do-open-it = defteri açmak
ledger-do-open-it-for-reading = defteri okumak için açmak
ledger-do-read-a-key = bir alıcının kaydını okumak
ledger-do-read-a-key-s-history = bir alıcının geçmişini okumak
ledger-do-read-its-application-id = defterin uygulama kimliğini okumak
ledger-do-read-its-schema-version = defterin şema sürümünü okumak
ledger-do-read-its-tables = defterin tablolarını okumak
ledger-do-read-the-ledger = defteri okumak
ledger-do-read-the-partner = partneri okumak
ledger-do-read-the-partners = partnerleri okumak
ledger-do-record-a-migration = bir şema geçişini kaydetmek
ledger-do-record-a-refusal = kabul edilmeyen bir kaydı yazmak
ledger-do-record-an-acknowledgement = teslim alınan bir isteği yazmak
ledger-do-record-the-baseline = başlangıç kaydını yazmak
ledger-do-record-the-end-of-the-run = çalıştırmanın bitişini yazmak
ledger-do-record-the-partner = partneri kaydetmek
ledger-do-record-the-plan = planı kaydetmek
ledger-do-record-the-request = isteği kaydetmek
ledger-do-record-the-run = çalıştırmayı kaydetmek
ledger-do-record-the-run-s-inputs = çalıştırmanın girdi dosyalarını kaydetmek
ledger-do-record-the-schema-version = şema sürümünü kaydetmek
ledger-do-set-its-busy-timeout = meşgul bekleme süresini ayarlamak
ledger-do-switch-it-to-wal-mode = defteri WAL kipine geçirmek
ledger-do-update-consent-times = izin zamanlarını güncellemek
err-sync-ack-unrecorded = Insider { $endpoint } uç noktasına giden bir isteği ({ $records } kayıt) yanıtladı ama defter bu yanıtı yazamadı: { $error }. Başka hiçbir şey gönderilmedi. Bu kayıtlar, yolda olan isteklerinkilerle birlikte { $path } defterinde beklemede kalır ve bu defterle çalışan bir sonraki `iysync sync` onları yeniden gönderir: önce disk alanını ve dosyayı denetleyin (sqlite3 { $path } 'PRAGMA integrity_check') ve aynı --state'i kullanın (başka bir defter neyin gönderildiğini bilmez)
