"""The help centre in German: the entries of ``help_content`` translated.

Keyed by slug: (title, summary, body), in the body format that ``help_content.blocks``
reads. Loaded by migration ``0005_help_translations``.
"""

ENTRIES = {
    "activation-failed": (
        "„Aktivierung fehlgeschlagen“",
        (
            "Der erste Bildschirm, den Sie sehen können: Das Telefon konnte sich nicht "
            "unbemerkt selbst aktivieren."
        ),
        """\
Ihr Telefon zeigt einen Bildschirm mit dem Titel „Aktivierung fehlgeschlagen“ und \
diesem Text: „Wir haben versucht, Ihr Telefon zu aktivieren, ohne Sie damit zu \
behelligen, aber etwas ist schiefgegangen. Deshalb brauchen wir weitere Informationen, \
bevor wir fortfahren können. Tippen Sie auf ‚Schließen‘, dann erklären wir es Ihnen.“

Es ist nichts kaputt. Normalerweise aktiviert sich das Telefon im Hintergrund, wenn \
Sie sich mit Ihrem Microsoft-Konto anmelden. Diesmal hat das nicht geklappt, deshalb \
bittet es Sie um Hilfe.

Tippen Sie auf „Schließen“. Der nächste Bildschirm heißt „WINDOWS PHONE AKTIVIEREN“. \
Dort können Sie einen neuen Aktivierungscode eingeben.""",
    ),
    "activate-windows-phone-screen": (
        "„WINDOWS PHONE AKTIVIEREN“",
        (
            "Das Telefon fragt nach einem Aktivierungscode, um die Einrichtung Ihres "
            "Microsoft-Kontos abzuschließen."
        ),
        """\
Auf dem Bildschirm steht: „Beim Einrichten Ihres Microsoft-Kontos auf dem Telefon ist \
ein Problem aufgetreten, und wir brauchen einen Aktivierungscode, um die Einrichtung \
abzuschließen. Sie können den Kundendienst anrufen, um den Code zu erhalten, und ihn \
dann hier eingeben.“

Sie haben zwei Möglichkeiten: Geben Sie einen Aktivierungscode ein und tippen Sie auf \
„Aktivieren“, oder tippen Sie auf „Überspringen“, um vorerst ohne Code weiterzumachen.

Dieser Bildschirm bedeutet nicht, dass mit Ihrem Microsoft-Konto etwas nicht stimmt. \
Sie brauchen einen neuen Aktivierungscode für dieses Telefon, den Ihnen der Support \
kostenlos gibt.""",
    ),
    "windows-phone-7-wording": (
        "Unter Windows Phone 7: „WINDOWS LIVE AKTIVIEREN“",
        "Ältere Telefone verwenden den Namen Windows Live statt Microsoft-Konto.",
        """\
Unter Windows Phone 7 heißt das Microsoft-Konto noch Windows Live. Wenn auf Ihrem \
Telefon Windows Phone 7 läuft, heißt der Bildschirm „WINDOWS LIVE AKTIVIEREN“ und \
nennt Ihr Konto „Windows Live ID“ statt „Microsoft-Konto“.

Alles in dieser Hilfe gilt genauso: Wo Microsoft-Konto steht, lesen Sie Windows Live \
ID. Wenn Sie Ihr Telefon zu diesem Portal hinzufügen, verwenden seine Seiten die \
Begriffe, die Ihr Telefon verwendet.""",
    ),
    "why-a-new-code": (
        "Warum Ihr Telefon nach einem neuen Aktivierungscode fragt",
        "Jedes Telefon wird mit einem Code hergestellt; selten braucht es einen neuen.",
        """\
Jedes Windows Phone erhält bei der Herstellung einen Aktivierungscode. In seltenen \
Fällen ist ein neuer Aktivierungscode nötig, um die Anmeldung mit dem Microsoft-Konto \
abzuschließen. Deshalb werden Sie nach einem neuen Aktivierungscode gefragt, wenn Sie \
sich zum ersten Mal mit Ihrem Microsoft-Konto anmelden.

Der Bildschirm „WINDOWS PHONE AKTIVIEREN“ weist nicht auf ein Problem mit dem \
Microsoft-Konto hin, mit dem Sie sich anmelden möchten. Mit Ihrem Konto ist alles in \
Ordnung.""",
    ),
    "get-a-new-code": (
        "Einen neuen Aktivierungscode erhalten",
        "Der Support gibt Ihnen kostenlos einen neuen Code, im Web oder am Telefon.",
        """\
Fordern Sie hier einen neuen Code an: Erstellen Sie ein Konto, fügen Sie Ihr Telefon \
mit seiner IMEI hinzu und senden Sie eine Anfrage. Der Support beantwortet Ihre \
Anfrage, und der Code erscheint auf der Seite Ihres Telefons. Das ist kostenlos.

Sie können auch den Kundendienst anrufen: In den USA wählen Sie (800) MICROSOFT \
(642-7676). Die Nummern für andere Länder finden Sie unter „Support kontaktieren“.

Bewahren Sie Ihren neuen Code sicher auf. Wenn Sie dieses Telefon jemals auf die \
Werkseinstellungen zurücksetzen, sehen Sie den Bildschirm „WINDOWS PHONE AKTIVIEREN“ \
wieder und können denselben Code erneut eingeben. Sie können ihn auch jederzeit in \
diesem Portal wieder anzeigen.

Geben Sie Ihren Code an niemanden weiter. Er gehört nur zu Ihrem Telefon, und wenn er \
auf einem anderen Telefon verwendet wird, kann er aufhören zu funktionieren.""",
    ),
    "what-skip-does": (
        "Was „Überspringen“ bewirkt",
        "Mit „Überspringen“ können Sie Ihr Telefon weiter nutzen, bis Sie Ihren neuen Code haben.",
        """\
Sie können auf dem Bildschirm „WINDOWS PHONE AKTIVIEREN“ auf „Überspringen“ tippen. \
Damit schließen Sie den Bildschirm und brechen die Anmeldung mit dem Microsoft-Konto \
vorerst ab. Sie können Ihr Telefon weiter nutzen, bis Sie einen neuen Aktivierungscode \
haben.

Das Telefon fragt erneut, wenn Sie das nächste Mal etwas tun, das Ihr Microsoft-Konto \
braucht. Dann können Sie den Code eingeben.""",
    ),
    "return-to-the-activation-screen": (
        "Zum Aktivierungsbildschirm zurückkehren und den Code eingeben",
        "Das Telefon fragt erneut nach dem Code, wenn eine Funktion Ihr Microsoft-Konto braucht.",
        """\
Sie können Ihren neuen Aktivierungscode eingeben, wenn Sie das nächste Mal eine \
Funktion verwenden, für die Sie sich mit einem Microsoft-Konto anmelden müssen, zum \
Beispiel:

- ein Spiel auf Xbox LIVE spielen,
- eine App aus dem Windows Phone Store oder Marketplace herunterladen,
- ein Hotmail- oder Outlook.com-E-Mail-Konto hinzufügen.

Jede dieser Funktionen zeigt einen Anmeldebildschirm für das Microsoft-Konto und fragt \
dann nach Ihrem neuen Aktivierungscode. Am schnellsten geht es, wenn Sie Ihr \
Microsoft-Konto zum Telefon hinzufügen: siehe „Microsoft-Konto hinzufügen, um zum \
Aktivierungsbildschirm zu gelangen“.""",
    ),
    "add-an-account": (
        "Microsoft-Konto hinzufügen, um zum Aktivierungsbildschirm zu gelangen",
        "Schritt für Schritt, von Start bis zur Schaltfläche „Aktivieren“.",
        """\
Wenn Sie Ihr Microsoft-Konto zum Telefon hinzufügen, gelangen Sie direkt zum \
Aktivierungsbildschirm:

1. Wechseln Sie auf Ihrem Telefon zu Start, streifen Sie nach links zur App-Liste, \
tippen Sie auf „Einstellungen“ und dann auf „E-Mail+Konten“.
2. Tippen Sie auf „Konto hinzufügen“ und dann auf „Microsoft-Konto“ (unter Windows \
Phone 7: „Windows Live“).
3. Wenn Sie sich noch nicht mit einem Microsoft-Konto angemeldet haben, erscheint der \
Bildschirm „Bevor Sie sich anmelden“. Tippen Sie auf „Weiter“.
4. Tippen Sie auf das Feld „Microsoft-Konto“ (oder „Windows Live ID“) und geben Sie \
Ihr Microsoft-Konto ein.
5. Tippen Sie auf das Feld „Kennwort“ und geben Sie das Kennwort Ihres \
Microsoft-Kontos ein.
6. Tippen Sie auf „Anmelden“. Sie sehen den Bildschirm „WINDOWS PHONE AKTIVIEREN“. \
Geben Sie Ihren neuen Aktivierungscode ein und tippen Sie auf „Aktivieren“.""",
    ),
    "try-a-different-account": (
        "Soll ich mich mit einem anderen Microsoft-Konto anmelden?",
        "Nein: Der Code gehört zum Telefon, nicht zum Konto.",
        """\
Nein. Auch mit einem anderen Microsoft-Konto werden Sie nach einem Aktivierungscode \
gefragt, denn der Code gehört zum Telefon, nicht zum Konto.

Die Frage nach einem neuen Aktivierungscode weist nicht auf ein Problem mit dem \
Microsoft-Konto hin, mit dem Sie sich anmelden möchten.""",
    ),
    "can-i-use-my-phone-after-skip": (
        "Kann ich mein Telefon noch nutzen, wenn ich auf „Überspringen“ tippe?",
        "Ja: Anrufe, SMS, das Internet und die meisten integrierten Apps funktionieren weiter.",
        """\
Ja. Wenn Sie auf „Überspringen“ tippen, wird der Bildschirm geschlossen und die \
Anmeldung mit Ihrem Microsoft-Konto (oder Ihrer Windows Live ID) abgebrochen. Sie \
können weiterhin telefonieren, SMS senden, im Internet surfen und die meisten \
integrierten Apps verwenden.

Wenn Sie Ihren neuen Aktivierungscode haben, lesen Sie „Zum Aktivierungsbildschirm \
zurückkehren und den Code eingeben“, um ihn einzugeben.""",
    ),
    "keep-your-code-safe": (
        "Was mache ich mit meinem neuen Code, nachdem ich ihn eingegeben habe?",
        (
            "Bewahren Sie ihn sicher auf: Nach dem Zurücksetzen auf die Werkseinstellungen "
            "brauchen Sie ihn wieder."
        ),
        """\
Bewahren Sie den Code sicher auf, falls Sie ihn noch einmal brauchen. Sie brauchen ihn \
zum Beispiel, wenn Sie Ihr Telefon jemals auf die Werkseinstellungen zurücksetzen.

Wenn Sie ihn verlieren, melden Sie sich hier an, öffnen Sie die Seite Ihres Telefons \
und wählen Sie „Meinen Code anzeigen“. Sie werden zuerst nach Ihrem Kennwort gefragt.""",
    ),
    "contact-support": (
        "Support kontaktieren",
        "Rufen Sie kostenlos den Kundendienst an oder senden Sie eine Anfrage über diese Website.",
        """\
Der Kundendienst hilft Ihnen kostenlos. In den USA rufen Sie (800) MICROSOFT \
(642-7676) an.

Außerhalb der USA rufen Sie die Nummer für Ihr Land aus der Liste unten an.

Sie können auch jederzeit eine Anfrage über diese Website senden: Melden Sie sich an, \
fügen Sie Ihr Telefon hinzu und fordern Sie einen neuen Code an. Hier können Sie Ihre \
Anfrage verfolgen und die Antworten des Supports lesen.""",
    ),
}
