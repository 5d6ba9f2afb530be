"""The help centre in Italian: the entries of ``help_content`` translated.

Keyed by slug: (title, summary, body), in the body format that ``help_content.blocks``
reads. Loaded by migration ``0005_help_translations``.
"""

ENTRIES = {
    "activation-failed": (
        "“Attivazione non riuscita”",
        "La prima schermata che potresti vedere: il telefono non è riuscito ad attivarsi da solo.",
        """\
Il telefono mostra una schermata intitolata “Attivazione non riuscita” con questo \
testo: “Abbiamo provato ad attivare il telefono senza disturbarti, ma si è verificato \
un problema, quindi ci servono altre informazioni prima di continuare. Tocca chiudi e \
ti spiegheremo.”

Non c'è niente di rotto. Di solito il telefono si attiva da solo in background quando \
accedi con il tuo account Microsoft. Questa volta non ci è riuscito, quindi ti chiede \
aiuto.

Tocca Chiudi. La schermata successiva è “ATTIVA WINDOWS PHONE”, dove puoi inserire un \
nuovo codice di attivazione.""",
    ),
    "activate-windows-phone-screen": (
        "“ATTIVA WINDOWS PHONE”",
        (
            "Il telefono chiede un codice di attivazione per completare la configurazione del "
            "tuo account Microsoft."
        ),
        """\
La schermata dice: “Si è verificato un problema durante la configurazione del tuo \
account Microsoft sul telefono e ci serve un codice di attivazione per completarla. \
Puoi chiamare il servizio clienti per ottenere il codice e poi inserirlo qui.”

Hai due possibilità: inserire un codice di attivazione e toccare Attiva, oppure \
toccare Ignora per continuare per ora senza codice.

Questa schermata non significa che ci sia qualcosa che non va nel tuo account \
Microsoft. Ti serve un nuovo codice di attivazione per questo telefono, che \
l'assistenza ti fornisce gratuitamente.""",
    ),
    "windows-phone-7-wording": (
        "Su Windows Phone 7: “ATTIVA WINDOWS LIVE”",
        "I telefoni meno recenti usano il nome Windows Live invece di account Microsoft.",
        """\
Su Windows Phone 7 l'account Microsoft si chiama ancora Windows Live. Se il tuo \
telefono usa Windows Phone 7, la schermata si intitola “ATTIVA WINDOWS LIVE” e chiama \
il tuo account “Windows Live ID” invece di “account Microsoft”.

Tutto ciò che dice questa guida vale allo stesso modo: dove c'è scritto account \
Microsoft, leggi Windows Live ID. Quando aggiungi il telefono a questo portale, le sue \
pagine usano le stesse parole del tuo telefono.""",
    ),
    "why-a-new-code": (
        "Perché il telefono chiede un nuovo codice di attivazione",
        "Ogni telefono viene prodotto con un codice; raramente ne serve uno nuovo.",
        """\
Ogni Windows Phone riceve un codice di attivazione durante la produzione. In rari casi \
serve un nuovo codice di attivazione per completare l'accesso con l'account Microsoft. \
Per questo ti viene chiesto un nuovo codice di attivazione quando accedi per la prima \
volta con il tuo account Microsoft.

La schermata “ATTIVA WINDOWS PHONE” non indica un problema con l'account Microsoft con \
cui stai cercando di accedere. Il tuo account non ha problemi.""",
    ),
    "get-a-new-code": (
        "Ottenere un nuovo codice di attivazione",
        "L'assistenza ti fornisce gratuitamente un nuovo codice, sul web o per telefono.",
        """\
Chiedi qui un nuovo codice: crea un account, aggiungi il telefono tramite il suo IMEI \
e invia una richiesta. L'assistenza risponde alla richiesta e il codice compare sulla \
pagina del telefono. È gratuito.

Puoi anche chiamare il servizio clienti: negli Stati Uniti chiama il numero (800) \
MICROSOFT (642-7676). I numeri degli altri paesi sono elencati in “Contatta \
l'assistenza”.

Conserva il nuovo codice in un posto sicuro. Se ripristini questo telefono alle \
impostazioni di fabbrica, vedrai di nuovo la schermata “ATTIVA WINDOWS PHONE” e potrai \
inserire di nuovo lo stesso codice. Puoi anche visualizzarlo di nuovo su questo \
portale in qualsiasi momento.

Non condividere il codice con nessuno. Appartiene solo al tuo telefono e usarlo su un \
altro telefono può impedirgli di funzionare.""",
    ),
    "what-skip-does": (
        "Cosa fa Ignora",
        "Ignora ti permette di continuare a usare il telefono finché non hai il nuovo codice.",
        """\
Puoi toccare Ignora nella schermata “ATTIVA WINDOWS PHONE”. La schermata si chiude e \
l'accesso con l'account Microsoft viene annullato per ora: puoi continuare a usare il \
telefono finché non hai un nuovo codice di attivazione.

Il telefono te lo chiede di nuovo la prossima volta che fai qualcosa che richiede il \
tuo account Microsoft, così potrai inserire il codice in quel momento.""",
    ),
    "return-to-the-activation-screen": (
        "Tornare alla schermata di attivazione e inserire il codice",
        (
            "Il telefono chiede di nuovo il codice quando una funzionalità ha bisogno del tuo "
            "account Microsoft."
        ),
        """\
Puoi inserire il nuovo codice di attivazione la prossima volta che usi una \
funzionalità che richiede l'accesso con un account Microsoft, ad esempio:

- giocare a un gioco su Xbox LIVE,
- scaricare un'app da Windows Phone Store o da Marketplace,
- aggiungere un account e-mail Hotmail o Outlook.com.

Ognuna di queste mostra una schermata di accesso all'account Microsoft e poi chiede il \
nuovo codice di attivazione. Il modo più rapido è aggiungere il tuo account Microsoft \
al telefono: vedi “Aggiungere l'account Microsoft per arrivare alla schermata di \
attivazione”.""",
    ),
    "add-an-account": (
        "Aggiungere l'account Microsoft per arrivare alla schermata di attivazione",
        "Passo per passo, da Start al pulsante Attiva.",
        """\
Aggiungere il tuo account Microsoft al telefono ti porta direttamente alla schermata \
di attivazione:

1. Sul telefono vai a Start, scorri verso sinistra fino all'elenco delle app, tocca \
Impostazioni e poi e-mail+account.
2. Tocca aggiungi un account e poi account Microsoft (Windows Live su Windows Phone \
7).
3. Se non hai ancora effettuato l'accesso con un account Microsoft, compare la \
schermata “Prima di accedere”. Tocca Avanti.
4. Tocca la casella Account Microsoft (o Windows Live ID) e inserisci il tuo account \
Microsoft.
5. Tocca la casella Password e inserisci la password del tuo account Microsoft.
6. Tocca Accedi. Vedrai la schermata “ATTIVA WINDOWS PHONE”. Inserisci il nuovo codice \
di attivazione e tocca Attiva.""",
    ),
    "try-a-different-account": (
        "Devo provare ad accedere con un altro account Microsoft?",
        "No: il codice appartiene al telefono, non all'account.",
        """\
No. Anche con un altro account Microsoft ti verrà chiesto un codice di attivazione, \
perché il codice appartiene al telefono, non all'account.

La richiesta di un nuovo codice di attivazione non indica un problema con l'account \
Microsoft con cui stai cercando di accedere.""",
    ),
    "can-i-use-my-phone-after-skip": (
        "Se tocco Ignora, posso ancora usare il telefono?",
        "Sì: chiamate, SMS, web e la maggior parte delle app integrate continuano a funzionare.",
        """\
Sì. Toccando Ignora la schermata si chiude e il tentativo di accesso con il tuo \
account Microsoft (o Windows Live ID) viene annullato. Puoi ancora fare chiamate, \
inviare SMS, navigare in Internet e usare la maggior parte delle app integrate.

Quando hai il nuovo codice di attivazione, vedi “Tornare alla schermata di attivazione \
e inserire il codice” per inserirlo.""",
    ),
    "keep-your-code-safe": (
        "Cosa devo fare con il nuovo codice dopo averlo inserito?",
        (
            "Conservalo in un posto sicuro: ti servirà di nuovo dopo un ripristino alle "
            "impostazioni di fabbrica."
        ),
        """\
Conserva il codice in un posto sicuro nel caso ti serva di nuovo. Ad esempio, ti \
servirà se ripristini il telefono alle impostazioni di fabbrica.

Se lo perdi, accedi qui, apri la pagina del telefono e scegli “Mostra il mio codice”. \
Prima ti verrà chiesta la password.""",
    ),
    "contact-support": (
        "Contatta l'assistenza",
        "Chiama gratuitamente il servizio clienti o invia una richiesta su questo sito.",
        """\
Il servizio clienti ti aiuta gratuitamente. Negli Stati Uniti chiama il numero (800) \
MICROSOFT (642-7676).

Fuori dagli Stati Uniti, chiama il numero del tuo paese nell'elenco qui sotto.

Puoi anche inviare una richiesta su questo sito in qualsiasi momento: accedi, aggiungi \
il telefono e chiedi un nuovo codice. Qui puoi seguire la richiesta e leggere le \
risposte dell'assistenza.""",
    ),
}
