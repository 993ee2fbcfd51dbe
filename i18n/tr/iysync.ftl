# iysync'in Türkçe metinleri. Her anahtar i18n/en/iysync.ftl içinde de vardır (bir test denetler).
# $x olarak verilen sayılar gruplanmıştır (5.000.000); $x_count sayının kendisidir.
# Türkçede sayıdan sonra isim tekil kalır ("5 satır"), bu yüzden çoğul seçimi gerekmez.

## Metin özeti (stderr)
summary-rows = { $rows } satır okundu: { $valid } geçerli ({ $fixed } düzeltildi), { $invalid } geçersiz, { $blank } boş; { $duplicates } yinelenen, { $conflicts } çakışma
summary-by = kanala göre: e-posta { $email }, SMS { $sms } · izne göre: ONAY { $onay }, RET { $ret }
summary-resolved = alıcı başına son durum: { $records } kayıt (ONAY { $onay }, RET { $ret }); { $withheld } alıcı bekletildi
summary-errors = hatalar: { $list }
summary-warnings = uyarılar: { $list }
summary-fixes = düzeltmeler: { $list }
summary-file = dosya { $note }
summary-time = { $secs } sn, saniyede { $rate } satır
summary-time-no-rows = { $secs } sn
summary-more = … ve { $code } kodlu { $n } sorun daha
summary-more-where = tüm sorunlar aşağıdaki özette sayılır; hepsini --report, --html ve makine biçimleri yazar
summary-max-problems = … { $n } sorun daha gösterilmedi (--max-problems { $limit }); tüm sorunlar özette sayılır ve --report ile yazılır
hint-invalid_encoding = ipucu: dosya eski bir Türkçe dışa aktarımsa --encoding windows-1254 (ya da iso-8859-9) verin; UTF-16 ise (NUL baytları) UTF-8 olarak kaydedin
upload-line = yükleme: { $requests } istek, { $sent } kayıt gönderildi, { $accepted } kabul edildi, { $refused } Insider tarafından kabul edilmedi, { $retries } yeniden deneme, { $skipped } atlandı; { $rejects }
upload-nothing-sent = hiçbir şey gönderilmedi: { $invalid } geçersiz satır var ve --fail-on-invalid verildi; satırları düzeltip (reddedilenler dosyasına bakın) yeniden çalıştırın
convert-wrote-dir = { $records } kayıt { $files } dosyaya yazıldı: { $dir }; { $rejects }
convert-wrote-stdout = { $records } kayıt { $files } istek gövdesi olarak stdout'a yazıldı; { $rejects }
rejects-path = hatalı satırlar dosyası: { $path }
rejects-none = hatalı satır yok
n-conflicts = { $n } çakışma
n-files = { $n } dosya

## İlerleme etiketleri
progress-validate = doğrulanıyor
progress-reading = okunuyor
progress-writing = yazılıyor
progress-sending = gönderiliyor
progress-rows = { $rows } satır, saniyede { $rate } satır
progress-eta = kalan

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
html-by-code = Nedene göre sayılar
html-no-problems = Sorun yok: tüm satırlar geçerli.
html-code = Neden
html-count = Adet
html-first-rows = Her neden için ilk { $n } satır
html-shown-of = { $total } sorundan { $shown } tanesi gösteriliyor
html-file = Dosya
html-line = Satır
html-message = Açıklama
html-row = Satırın içeriği
html-warnings = Çakışmalar ve bekletilen alıcılar
html-upload = Yükleme
html-dry-run = Deneme çalıştırması: hiçbir şey gönderilmedi
html-requests = İstek
html-sent = Gönderilen kayıt
html-accepted = Kabul edilen
html-refused = Insider'ın kabul etmediği
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
code-timestamp-too-early = izin zamanı İYS'nin başlangıcından (01.05.2015) önce
code-timestamp-in-future = izin zamanı ileri bir tarihte
code-empty-platform = kaynak (platform) boş
code-invalid-characters = satırda kontrol ya da görünmez karakterler var
code-invalid-encoding = satır, dosyanın kodlamasında geçerli bir metin değil
code-unbalanced-quote = açılan bir tırnak kapatılmamış
code-wrong-channel = alıcı istenen kanaldan değil (--channel)
code-api-refused = Insider kaydı kabul etmedi
code-fix-whitespace = alanların başındaki ve sonundaki boşluklar silindi
code-fix-quotes = alan çevresindeki tırnaklar silindi
code-fix-email = e-posta adresi düzeltildi
code-fix-phone-format = telefon numarası +90… biçiminde yeniden yazıldı
code-fix-permission-case = izin büyük harfle yazıldı
code-fix-timestamp-format = izin zamanı gg.aa.yyyy ss:dd:ss biçiminde yeniden yazıldı
code-fix-trailing-separator = satır sonundaki fazla ayırıcı silindi
code-fix-invisible = görünmez karakterler silindi
code-conflict = aynı alıcı için aynı anda ONAY ve RET var
code-withheld = geçersiz bir RET satırı yüzünden alıcı gönderilmedi (bekletildi)
code-stale = defterde bu alıcı için daha yeni bir izin kaydı var (gönderilmedi)
code-line-too-long = satır, bir izin satırı olamayacak kadar uzun
code-header-row = ilk satır bir başlık satırı (atlandı)
