# iysync'in `sync` ve `ledger` metinleri, dosya bilgileri ve HTML raporunun ekleri, Türkçe.
# Her anahtar i18n/en/sync.ftl içinde de vardır (bir test denetler).
# $x olarak verilen sayılar gruplanmıştır (5.000.000); Türkçede sayıdan sonra isim tekil kalır.

## iysync sync: özetteki senkronizasyon satırı, deneme planı, koruma, --baseline ve --fail-on-invalid
sync-line = senkronizasyon: { $unchanged } değişmeyen, { $new } yeni, { $opt_out } ONAY→RET, { $opt_in } RET→ONAY, { $stale } eski tarihli, { $pending } bekleyen
sync-dry-run = `iysync sync` deneme çalıştırması: { $requests } istekte { $records } kayıt, { $bytes } bayt; hiçbir şey gönderilmedi, defter değişmedi
dry-run-endpoint = POST { $url }: { $requests } istek, { $records } kayıt
dry-run-bodies = istek gövdeleri şuraya yazıldı: { $dir }
sync-invalid = hiçbir şey gönderilmedi: { $invalid } geçersiz satır var ve --fail-on-invalid verildi; defter değişmedi; satırları düzeltip (reddedilenler dosyasına bakın) yeniden çalıştırın
sync-baseline = başlangıç kaydı: { $keys } alıcı, Insider'a bildirilmiş olarak { $state } defterine yazıldı; hiçbir şey gönderilmedi
# $needed, --max-changes için bir değerdir; gruplanmaz.
sync-guard = hiçbir şey gönderilmedi: plan, defterdeki { $keys } alıcının { $flips } tanesinin iznini ONAY ile RET arasında değiştiriyor; bu, --max-changes { $limit } sınırının izin verdiğinden ({ $allowed }) fazla. Girdiyi kontrol edin (yanlış ya da eksik bir dışa aktarım olabilir mi?); değişiklikler doğruysa --max-changes { $needed } ile yeniden çalıştırın
sync-guard-needed-percent = { $flips } (ya da { $percent }%)

## Senkronizasyonun ilerleme etiketleri
progress-planning = planlanıyor
progress-unsubscribing = abonelikten çıkarılıyor
progress-upserting = Insider'a yazılıyor (upsert)
progress-resubscribing = yeniden abone ediliyor

## iysync ledger show|stats (metin; JSON çıktısı çevrilmez)
ledger-header = defter { $path } (şema { $schema })
ledger-endpoint-baseline = başlangıç kaydı
ledger-endpoint-upsert = upsert
ledger-endpoint-email-unsubscribe = e-posta abonelikten çıkarma
ledger-endpoint-sms-unsubscribe = SMS abonelikten çıkarma
ledger-endpoint-email-subscribe = e-posta yeniden abone etme
ledger-endpoint-sms-subscribe = SMS yeniden abone etme
ledger-empty = boş: Insider'ın teslim aldığı bir gönderim henüz yok
ledger-email = e-posta
ledger-sms = SMS
ledger-written = (yazıldığı gibi: { $written })
ledger-not-found = defterde yok: bu alıcı için Insider'a bildirilmiş hiçbir şey yok
ledger-row = partner { $partner }: { $permission } (izin zamanı { $consent }, gönderim zamanı { $sent })
ledger-permission-none = yok
ledger-pending-row = bekleyen: { $permission } (izin zamanı { $consent }), gönderilecek: { $steps }
ledger-pending-refused = ; Insider'ın reddi: { $message }
ledger-history-none = geçmiş: Insider'ın teslim aldığı bir gönderim yok
ledger-history = { $sent }  { $endpoint }  { $permission }  izin zamanı { $consent }  girdi { $from }  çalıştırma { $run }
ledger-step-unsubscribe = abonelikten çıkarma
ledger-step-upsert = güncelleme/ekleme (upsert)
ledger-step-resubscribe = yeniden abone etme
ledger-partner-keys = partner { $partner }: { $keys } alıcı
ledger-channel = { $channel }  ONAY { $onay }  RET { $ret }
ledger-channel-none = henüz bildirilmemiş { $n }
ledger-pending = bekleyen { $pending } (Insider'ın reddettiği { $refused })
ledger-last-run = son çalıştırma { $run } ({ $mode }): başlangıç { $started }, bitiş { $finished }, { $status }
ledger-no-run = henüz çalıştırma yok
ledger-mode-sync = senkronizasyon
ledger-mode-baseline = başlangıç kaydı
ledger-status-ok = tamamlandı
ledger-status-refused = Insider bazı kayıtları reddetti
ledger-status-interrupted = yarıda kesildi
ledger-status-aborted = hata ile durdu
ledger-status-guard = koruma durdurdu (--max-changes)
ledger-status-invalid = geçersiz satırlar yüzünden durdu (--fail-on-invalid)
ledger-status-unfinished = bitmedi

## Dosya bilgileri: düz `;` ayrımlı, LF satır sonlu UTF-8 olmayan bir dosyanın notu
facts-gzip = gzip
facts-encoding = { $encoding }
facts-encoding-bom = { $encoding } (BOM'lu)
facts-encoding-decoded = { $encoding } (UTF-8'e çevrilerek okundu)
facts-encoding-bom-decoded = { $encoding } (BOM'lu, UTF-8'e çevrilerek okundu)
facts-crlf = Windows satır sonları (CRLF)
facts-cr = yalnızca CR satır sonları (eski Mac), kayıt olarak okundu
facts-comma = alanlar virgülle (`,`) ayrılmış
facts-tab = alanlar sekmeyle ayrılmış
facts-header = başlık satırı atlandı

## HTML raporu: zamanı, dosya notları, senkronizasyon rakamları
html-generated-at = { $date } { $time } ({ $zone }, UTC{ $offset })
html-seconds = { $secs } sn
html-file-notes = Dosya notları
html-sync = Defterle senkronizasyon
html-sync-unchanged = Değişmeyen
html-sync-new = Yeni
html-sync-opt-out = İzinden çıkan (ONAY → RET)
html-sync-opt-in = İzne dönen (RET → ONAY)
html-sync-stale = Eski tarihli (gönderilmedi)
html-sync-pending = Önceki çalıştırmalardan bekleyen
html-sync-endpoints = Uç noktaya göre istekler
html-endpoint = Uç nokta
html-endpoint-unsubscribe = Abonelikten çıkarma (unsubscribe)
html-endpoint-upsert = Güncelleme/ekleme (upsert)
html-endpoint-resubscribe = Yeniden abone etme (resubscribe)
html-sync-none-sent = Hiçbir şey gönderilmedi.
