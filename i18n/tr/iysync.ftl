# iysync'in Türkçe metinleri. Her anahtar i18n/en/iysync.ftl içinde de vardır (bir test denetler).
# $x olarak verilen sayılar gruplanmıştır (5.000.000); $x_count sayının kendisidir.
# Türkçede sayıdan sonra isim tekil kalır ("5 satır"), bu yüzden çoğul seçimi gerekmez.

## Metin özeti (stderr)
summary-rows = { $rows } satır okundu: { $valid } geçerli ({ $fixed } düzeltildi), { $invalid } geçersiz, { $blank } boş; { $duplicates } yinelenen, { $conflicts } çakışma
summary-by = kanala göre: e-posta { $email }, SMS { $sms } · izne göre: ONAY { $onay }, RET { $ret }
summary-resolved = sonuç: { $records } kayıt (ONAY { $onay }, RET { $ret }), { $withheld } bekletildi
summary-errors = hatalar: { $list }
summary-warnings = uyarılar: { $list }
summary-fixes = düzeltmeler: { $list }
summary-file = dosya { $note }
summary-time = { $secs } sn, saniyede { $rate } satır
summary-time-no-rows = { $secs } sn
summary-more = … ve { $n } adet daha { $code }
summary-more-where = tüm sorunlar yukarıda sayıldı; --report, --html ve makine biçimleri hepsini yazar
summary-max-problems = … { $n } sorun daha gösterilmedi (--max-problems { $limit }); tüm sorunlar özette sayılır ve --report ile yazılır
hint-invalid_encoding = ipucu: dosya eski bir Türkçe dışa aktarımsa --encoding windows-1254 (ya da iso-8859-9) verin; UTF-16 ise (NUL baytları) UTF-8 olarak kaydedin
upload-line = yükleme: { $requests } istek, { $sent } kayıt gönderildi, { $accepted } kabul edildi, { $refused } reddedildi, { $retries } yeniden deneme, { $skipped } atlandı; { $rejects }
upload-nothing-sent = hiçbir şey gönderilmedi: { $invalid } geçersiz satır var ve --fail-on-invalid verildi; satırları düzeltip (reddedilenler dosyasına bakın) yeniden çalıştırın
convert-wrote-dir = { $records } kayıt { $files } dosyaya yazıldı: { $dir }; { $rejects }
convert-wrote-stdout = { $records } kayıt { $files } istek gövdesi olarak stdout'a yazıldı; { $rejects }
rejects-path = reddedilenler: { $path }
rejects-none = reddedilen yok
n-conflicts = { $n } çakışma
n-files = { $n } dosya

## İlerleme etiketleri
progress-validate = doğrulama
progress-reading = okunuyor
progress-writing = yazılıyor
progress-sending = gönderiliyor
progress-rows = { $rows } satır, saniyede { $rate } satır

## HTML raporu
html-title = iysync raporu
html-generated = iysync { $version } ile { $now } tarihinde oluşturuldu
html-inputs = Girdi dosyaları
html-summary = Özet
html-rows = Okunan satır
html-valid = Geçerli
html-fixed = Düzeltilen
html-invalid = Geçersiz
html-blank = Boş satır
html-duplicates = Yinelenen
html-conflicts = Çakışma
html-withheld = Bekletilen
html-email = E-posta
html-sms = SMS
html-onay = ONAY (izin verildi)
html-ret = RET (izin verilmedi)
html-by-code = Nedene göre sorunlar
html-no-problems = Sorun yok: tüm satırlar geçerli.
html-code = Neden
html-count = Adet
html-first-rows = Her nedenin ilk { $n } satırı
html-shown-of = { $total } satırdan { $shown } tanesi gösteriliyor
html-file = Dosya
html-line = Satır
html-message = Açıklama
html-row = Satırın içeriği
html-warnings = Çakışmalar ve bekletilen alıcılar
html-upload = Yükleme
html-requests = İstek
html-sent = Gönderilen kayıt
html-accepted = Kabul edilen
html-refused = Reddedilen
html-retries = Yeniden deneme
html-skipped = Atlanan
html-elapsed = Süre
html-redacted = Alıcılar maskelendi (--redact).

## Neden kodları: reddedilenler dosyasının açıklama sütunu ve HTML raporu için
code-field-count = satırdaki alan sayısı yanlış
code-empty-recipient = alıcı boş
code-invalid-email = e-posta adresi geçersiz
code-invalid-phone = telefon numarası geçersiz
code-not-mobile = telefon numarası Türkiye cep telefonu numarası değil
code-invalid-permission = izin ONAY ya da RET değil
code-invalid-timestamp = izin zamanı okunamıyor
code-timestamp-too-early = izin zamanı İYS'den önce
code-timestamp-in-future = izin zamanı ileri bir tarihte
code-empty-platform = kaynak (platform) boş
code-invalid-characters = satırda kontrol ya da görünmez karakterler var
code-invalid-encoding = satır, dosyanın kodlamasında geçerli bir metin değil
code-unbalanced-quote = açılan bir tırnak kapatılmamış
code-wrong-channel = alıcı istenen kanaldan değil (--channel)
code-api-refused = Insider kaydı reddetti
code-fix-whitespace = alan çevresindeki boşluklar silindi
code-fix-quotes = alan çevresindeki tırnaklar silindi
code-fix-email = e-posta adresi düzeltildi
code-fix-phone-format = telefon numarası +90… biçiminde yeniden yazıldı
code-fix-permission-case = izin büyük harfle yazıldı
code-fix-timestamp-format = izin zamanı standart biçimde yeniden yazıldı
code-fix-trailing-separator = satır sonundaki fazla ayırıcı silindi
code-fix-invisible = görünmez karakterler silindi
code-conflict = aynı alıcı için aynı anda ONAY ve RET var
code-withheld = geçersiz bir RET satırı bu alıcıyı bekletiyor
code-stale = defterde bu alıcı için daha yeni bir izin kaydı var (gönderilmedi)
code-line-too-long = satır, bir izin satırı olamayacak kadar uzun
code-header-row = ilk satır bir başlık satırı (atlandı)
