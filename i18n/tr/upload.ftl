# iysync'in yükleme komutlarının deneme planı ve ilerleme satırı metinleri, Türkçe.
# Her anahtar i18n/en/upload.ftl içinde de vardır (bir test denetler).
# $x olarak verilen bir sayı gruplanmıştır (5.000.000).

upload-dry-run = `iysync { $command }` deneme çalıştırması: { $requests } istekte { $records } kayıt, { $bytes } bayt; hiçbir şey gönderilmedi
upload-dry-run-skipped = { $n } kayıt `iysync { $command }` ile gönderilmez (atlandı)
progress-upload = { $requests } istek, { $accepted } kabul edildi, { $refused } reddedildi, { $retries } yeniden deneme
progress-upload-wait = { $line }, hız sınırı beklemesi { $wait } sn
