"""The help centre in Spanish: the entries of ``help_content`` translated.

Keyed by slug: (title, summary, body), in the body format that ``help_content.blocks``
reads. Loaded by migration ``0005_help_translations``.
"""

ENTRIES = {
    "activation-failed": (
        "«Error de activación»",
        "La primera pantalla que puedes ver: el teléfono no pudo activarse solo sin molestarte.",
        """\
Tu teléfono muestra una pantalla titulada «Error de activación» con este texto: \
«Intentamos activar tu teléfono sin molestarte, pero algo salió mal, así que \
necesitamos más información antes de continuar. Toca cerrar y te lo explicaremos».

No hay nada roto. Normalmente el teléfono se activa solo en segundo plano cuando \
inicias sesión con tu cuenta Microsoft. Esta vez no pudo, así que te pide ayuda.

Toca Cerrar. La siguiente pantalla es «ACTIVAR WINDOWS PHONE», donde puedes escribir \
un nuevo código de activación.""",
    ),
    "activate-windows-phone-screen": (
        "«ACTIVAR WINDOWS PHONE»",
        "El teléfono pide un código de activación para terminar de configurar tu cuenta Microsoft.",
        """\
La pantalla dice: «Hubo un problema al configurar tu cuenta Microsoft en el teléfono y \
necesitamos un código de activación para terminar la configuración. Puedes llamar al \
servicio de atención al cliente para obtener el código y escribirlo aquí».

Te ofrece dos opciones: escribir un código de activación y tocar Activar, o tocar \
Omitir para seguir sin él por ahora.

Esta pantalla no significa que haya ningún problema con tu cuenta Microsoft. Necesitas \
un nuevo código de activación para este teléfono, y el soporte te lo da gratis.""",
    ),
    "windows-phone-7-wording": (
        "En Windows Phone 7: «ACTIVAR WINDOWS LIVE»",
        "Los teléfonos más antiguos usan el nombre Windows Live en lugar de cuenta Microsoft.",
        """\
En Windows Phone 7, la cuenta Microsoft todavía se llama Windows Live. Si tu teléfono \
tiene Windows Phone 7, la pantalla se titula «ACTIVAR WINDOWS LIVE» y llama a tu \
cuenta «Windows Live ID» en lugar de «cuenta Microsoft».

Todo lo que dice esta ayuda se aplica igual: donde pone cuenta Microsoft, lee Windows \
Live ID. Cuando añades tu teléfono a este portal, sus páginas usan las mismas palabras \
que tu teléfono.""",
    ),
    "why-a-new-code": (
        "Por qué tu teléfono pide un nuevo código de activación",
        "Cada teléfono se fabrica con un código; en raras ocasiones necesita uno nuevo.",
        """\
Cada Windows Phone recibe un código de activación durante su fabricación. En casos \
raros, se necesita un nuevo código de activación para completar el inicio de sesión \
con la cuenta Microsoft. Por eso se te pide un nuevo código de activación cuando \
inicias sesión con tu cuenta Microsoft por primera vez.

La pantalla «ACTIVAR WINDOWS PHONE» no indica ningún problema con la cuenta Microsoft \
con la que intentas iniciar sesión. Tu cuenta está bien.""",
    ),
    "get-a-new-code": (
        "Conseguir un nuevo código de activación",
        "El soporte te da un código nuevo gratis, por la web o por teléfono.",
        """\
Pide aquí un código nuevo: crea una cuenta, añade tu teléfono con su IMEI y envía una \
solicitud. El soporte responde a tu solicitud y el código aparece en la página de tu \
teléfono. Es gratis.

También puedes llamar al servicio de atención al cliente: en Estados Unidos, llama al \
(800) MICROSOFT (642-7676). Los números de otros países están en «Contactar con el \
soporte».

Guarda tu nuevo código en un lugar seguro. Si alguna vez restableces este teléfono a \
la configuración de fábrica, volverás a ver la pantalla «ACTIVAR WINDOWS PHONE» y \
podrás escribir el mismo código otra vez. También puedes volver a verlo en este portal \
en cualquier momento.

No compartas tu código con nadie. Pertenece solo a tu teléfono, y usarlo en otro \
teléfono puede hacer que deje de funcionar.""",
    ),
    "what-skip-does": (
        "Qué hace Omitir",
        "Omitir te permite seguir usando el teléfono hasta que tengas tu nuevo código.",
        """\
Puedes tocar Omitir en la pantalla «ACTIVAR WINDOWS PHONE». Así se cierra la pantalla \
y se cancela por ahora el inicio de sesión con la cuenta Microsoft, y puedes seguir \
usando tu teléfono hasta que tengas un nuevo código de activación.

El teléfono vuelve a preguntar la próxima vez que hagas algo que necesite tu cuenta \
Microsoft, para que puedas escribir el código entonces.""",
    ),
    "return-to-the-activation-screen": (
        "Volver a la pantalla de activación y escribir tu código",
        "El teléfono vuelve a pedir el código cuando una función necesita tu cuenta Microsoft.",
        """\
Puedes escribir tu nuevo código de activación la próxima vez que uses una función que \
requiera iniciar sesión con una cuenta Microsoft, por ejemplo:

- jugar a un juego en Xbox LIVE,
- descargar una aplicación de la Tienda de Windows Phone o de Marketplace,
- añadir una cuenta de correo de Hotmail u Outlook.com.

Cada una de ellas muestra una pantalla de inicio de sesión de la cuenta Microsoft y \
después pide tu nuevo código de activación. Lo más rápido es añadir tu cuenta \
Microsoft al teléfono: consulta «Añadir tu cuenta Microsoft para llegar a la pantalla \
de activación».""",
    ),
    "add-an-account": (
        "Añadir tu cuenta Microsoft para llegar a la pantalla de activación",
        "Paso a paso, desde Inicio hasta el botón Activar.",
        """\
Al añadir tu cuenta Microsoft al teléfono llegas directamente a la pantalla de \
activación:

1. En el teléfono, ve a Inicio, desliza rápidamente a la izquierda hasta la lista de \
aplicaciones, toca Configuración y después toca correo+cuentas.
2. Toca agregar una cuenta y después toca cuenta Microsoft (Windows Live en Windows \
Phone 7).
3. Si todavía no has iniciado sesión con una cuenta Microsoft, aparece la pantalla \
«Antes de iniciar sesión». Toca Siguiente.
4. Toca el cuadro Cuenta Microsoft (o Windows Live ID) y escribe tu cuenta Microsoft.
5. Toca el cuadro Contraseña y escribe la contraseña de tu cuenta Microsoft.
6. Toca Iniciar sesión. Verás la pantalla «ACTIVAR WINDOWS PHONE». Escribe tu nuevo \
código de activación y toca Activar.""",
    ),
    "try-a-different-account": (
        "¿Debo intentar iniciar sesión con otra cuenta Microsoft?",
        "No: el código pertenece al teléfono, no a la cuenta.",
        """\
No. Con otra cuenta Microsoft también se te pedirá un código de activación, porque el \
código pertenece al teléfono, no a la cuenta.

Que se pida un nuevo código de activación no indica ningún problema con la cuenta \
Microsoft con la que intentas iniciar sesión.""",
    ),
    "can-i-use-my-phone-after-skip": (
        "Si toco Omitir, ¿puedo seguir usando mi teléfono?",
        (
            "Sí: las llamadas, los mensajes, la web y la mayoría de las aplicaciones "
            "integradas siguen funcionando."
        ),
        """\
Sí. Al tocar Omitir se cierra la pantalla y se cancela el intento de inicio de sesión \
con tu cuenta Microsoft (o Windows Live ID). Puedes seguir haciendo llamadas, enviando \
mensajes de texto, navegando por Internet y usando la mayoría de las aplicaciones \
integradas.

Cuando tengas tu nuevo código de activación, consulta «Volver a la pantalla de \
activación y escribir tu código» para escribirlo.""",
    ),
    "keep-your-code-safe": (
        "¿Qué hago con mi nuevo código después de escribirlo?",
        (
            "Guárdalo en un lugar seguro: lo necesitarás de nuevo tras restablecer la "
            "configuración de fábrica."
        ),
        """\
Guarda el código en un lugar seguro por si lo vuelves a necesitar. Por ejemplo, lo \
necesitarás si alguna vez restableces el teléfono a la configuración de fábrica.

Si lo pierdes, inicia sesión aquí, abre la página de tu teléfono y elige «Mostrar mi \
código». Primero se te pedirá la contraseña.""",
    ),
    "contact-support": (
        "Contactar con el soporte",
        "Llama gratis al servicio de atención al cliente o envía una solicitud en este sitio.",
        """\
El servicio de atención al cliente te ayuda gratis. En Estados Unidos, llama al (800) \
MICROSOFT (642-7676).

Fuera de Estados Unidos, llama al número de tu país que aparece en la lista de abajo.

También puedes enviar una solicitud en este sitio en cualquier momento: inicia sesión, \
añade tu teléfono y pide un código nuevo. Aquí puedes seguir tu solicitud y leer las \
respuestas del soporte.""",
    ),
}
