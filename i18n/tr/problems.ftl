# Sorunların açıklamaları (her neden kodunun ayrıntısı), Türkçe: --lang tr ile metin özeti, HTML
# raporu ve reddedilenler dosyasının açıklama sütunu bunları gösterir; makine biçimleri ve --report
# İngilizce kalır. Her anahtar i18n/en/problems.ftl içinde de vardır (bir test denetler); argümanlar
# src/record/message.rs içinde tanımlıdır.
# Değerler ($value, $char, $time …) olduğu gibi gösterilir: tırnak içinde girdi değeri, kod noktası
# (U+200B), Netmera zamanı. Sayılar gruplanmış gelir (70.000).
# Metinler anahtar başına bir kez yer tutucularla oluşturulup doldurulur: argümanlar üzerinde seçici
# (`{ $x -> … }`) yazmayın.

## Bir düzeltmenin sonuna eklenen notlar ("; " ile)
problem-note-quotes = tırnaklar kaldırıldı
problem-note-trimmed = baştaki ve sondaki boşluklar silindi
# Görünmez karakter içeren geçersiz bir değerin açıklamasında.
problem-invisible-hint = {" "}(görünmez { $char } karakterini içeriyor; bu karakteri silin)

## Satır
problem-invalid-encoding = satır geçerli bir UTF-8 metni değil (eski bir dışa aktarımın nasıl okunacağını özetin altındaki ipucu söyler)
problem-line-too-long = satır { $length } bayt uzunluğunda, bir izin satırı bu kadar uzun olamaz (en fazla 64 KiB); satır atlandı — dosyanın bir izin dışa aktarımı olduğunu ve satır sonlarının bozulmadığını denetleyin
problem-unbalanced-quote = { $column }. alanda açılıp kapatılmamış bir tırnak var (ya da kapanış tırnağından sonra metin var); tırnağı kapatın — bu satır ayrıca raporlanır, sonraki satırlar normal okunur
problem-field-count = `;` ile ayrılmış 4 ya da 5 alan bekleniyordu (alıcı;kaynak;izin;izin zamanı[;dış kimlik]), { $found } alan bulundu
problem-header-row = ilk satır bir başlık satırı (izin alanı ONAY/RET değil, ilk alanı da bir alıcı değil); atlandı ve satır sayısına katılmadı

## Alıcı
problem-recipient-empty = alıcı boş; bir e-posta adresi ya da telefon numarası yazın
problem-wrong-channel-email = { $value } bir e-posta alıcısı, ama --channel sms verildi; satırı kendi kanalının dosyasına taşıyın
problem-wrong-channel-sms = { $value } bir SMS alıcısı, ama --channel email verildi; satırı kendi kanalının dosyasına taşıyın
problem-email-invisible = e-posta adresi { $value }, İYS'nin kabul etmediği görünmez { $char } karakterini içeriyor; bu karakteri silin (adresi elle yeniden yazın ya da düz metin olarak yapıştırın)
problem-email-non-ascii = e-posta adresi { $value } ASCII dışı harfler (ş, ğ, ü, ı gibi) içeriyor, İYS bunları kabul etmiyor; adresi düzeltin
problem-email-malformed = { $value } geçerli bir e-posta adresi değil (@ işaretinden sonra noktalı bir alan adı gerekir); adresi düzeltin
problem-email-too-long = e-posta adresi { $value } çok uzun: toplamda en fazla { $max }, @ işaretinden önce en fazla { $local }, alan adının her bölümünde en fazla { $label } karakter olabilir; adresi düzeltin
problem-email-not-a-domain = e-posta adresi { $value } bir alan adıyla bitmiyor (IP adresi, yalnızca rakamlardan oluşan bir alan adı ya da harf olmayan bir uzantı); adresi düzeltin
problem-phone-scientific = { $value }, Excel gibi bir tablo programının bilimsel gösterime çevirdiği bir telefon numarası ve son rakamları kaybolmuş; tablodaki sütunu metin olarak biçimlendirip dosyayı yeniden dışa aktarın
problem-phone-invalid = { $value } geçerli bir telefon numarası değil{ $invisible }; Türkiye'den bir cep telefonu (05xx xxx xx xx) ya da ülke koduyla bir numara (+44 …) yazın
problem-phone-not-mobile = { $value } bir Türkiye numarası ama cep telefonu (5xx) değil; İYS'de SMS izni için cep telefonu numarası gerekir

## Kaynak (platform), dış kimlik
problem-platform-empty = kaynak (platform) boş; iznin nereden alındığını yazın (EMAIL, SMS, mobileapp, web, form…)
problem-platform-invisible-only = kaynak (platform) yalnızca görünmez karakterlerden oluşuyor; iznin nereden alındığını yazın (EMAIL, SMS, mobileapp, web, form…)
problem-unrepresentable-platform = kaynak (platform) alanında { $char } var; bir Netmera satırı bunu taşıyamaz (satırı kaydırır ya da böler), silin
problem-unrepresentable-external-id = dış kimlik (external_id) alanında { $char } var; bir Netmera satırı bunu taşıyamaz (satırı kaydırır ya da böler), silin

## İzin
problem-permission-red = izin { $value } ne ONAY ne RET{ $invisible }; RET mi demek istediniz?
problem-permission-invalid = izin { $value } ne ONAY ne RET{ $invisible }; ONAY (izin verildi) ya da RET (izin reddedildi) yazın

## İzin zamanı
problem-timestamp-unparsable = izin zamanı { $value } okunamıyor; gün.ay.yıl saat:dakika:saniye biçiminde yazın (15.05.2025 14:23:00){ $invisible }
problem-timestamp-impossible = izin zamanı { $value } gerçek bir tarih ve saat değil; günü, ayı ve saati denetleyin (gün.ay.yıl saat:dakika:saniye){ $invisible }
problem-timestamp-skipped = izin zamanı { $value } bu saat diliminde yok (yaz saati geçişinde atlanan bir saat); saati ya da --timezone değerini denetleyin{ $invisible }
problem-timestamp-too-early = izin zamanı { $value }, İYS'nin kabul ettiği ilk tarih olan 01.05.2015 00:00:00'dan önce; tarihi denetleyin ya da satırı çıkarın
problem-timestamp-in-future = izin zamanı { $value } ileri bir tarihte; dışa aktaran sistemin saatini ya da saat dilimini (--timezone) denetleyin

## Düzeltmeler
problem-fix-email = büyük harfler küçük harfe çevrildi
problem-fix-phone = telefon numarası { $value }, { $canonical } olarak yazıldı
problem-fix-permission = { $value }, { $canonical } olarak yazıldı
problem-fix-timestamp = { $value }, { $canonical } olarak yazıldı
problem-fix-trailing-separator = dış kimlik olmadan satır sonunda kalan `;` silindi
problem-fix-invisible-one = görünmez { $char } karakteri silindi
problem-fix-invisible-many = { $count } görünmez karakter ({ $char } …) silindi

## Girdi okunduktan sonra, alıcı başına
problem-withheld-unreadable = bu geçersiz RET satırı alıcının en son izin kararı olabilir (izin zamanı okunamıyor); alıcı hiçbir çıktıya ve yüklemeye alınmadı — satırı düzeltip yeniden çalıştırın
problem-withheld-not-earlier = bu geçersiz RET satırı alıcının en son izin kararı olabilir (izin zamanı, geçerli sayılan ONAY'dan ({ $time }) önce değil); alıcı hiçbir çıktıya ve yüklemeye alınmadı — satırı düzeltip yeniden çalıştırın
problem-conflict = bu alıcının en son izin zamanında ({ $time }) hem ONAY hem RET var; RET geçerli sayıldı
problem-withheld-pending = bu geçersiz RET satırı, defterde bu alıcı için önceki bir çalıştırmadan bekleyen { $time } zamanlı ONAY'dan daha yeni olabilir; bu onay gönderilmedi ve beklemede kalıyor — satırı düzeltip yeniden çalıştırın
problem-stale = eski kayıt: deftere göre Insider'a { $ledger_time } izin zamanıyla { $ledger_permission } bildirildi; bu, satırdaki { $time } zamanlı { $permission } kaydından daha yeni olduğu için hiçbir şey gönderilmedi
# Reddedilenler dosyası: bir alıcıyı bekleten geçersiz RET satırının açıklamasına eklenen not.
problem-rejects-withholding = bu RET satırı { $recipient } alıcısını bekletiyor: bu alıcı için hiçbir şey yazılmadı ya da gönderilmedi; satırı düzeltip yeniden çalıştırın

## Yükleme
problem-api-refused = Insider bu kaydı kabul etmedi: { $text }
problem-api-refused-earlier = Insider bu kaydı kabul etmedi: { $text } (önceki bir çalıştırmada)
problem-too-large = bu kaydın Upsert kullanıcı nesnesi tek başına { $bytes } bayt; { $max } baytlık istek gövdesi sınırını (--max-bytes) aşıyor, alanlarını kısaltın

## Metin özetindeki bir sorun satırının türü ve alanı (`dosya:satır: hata[kod] alan: …`)
severity-error = hata
severity-warning = uyarı
severity-fix = düzeltme
field-row = satır
field-recipient = alıcı
field-platform = kaynak
field-permission = izin
field-timestamp = izin zamanı
field-external-id = dış kimlik
