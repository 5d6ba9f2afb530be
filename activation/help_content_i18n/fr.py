"""The help centre in French: the entries of ``help_content`` translated.

Keyed by slug: (title, summary, body), in the body format that ``help_content.blocks``
reads. Loaded by migration ``0005_help_translations``.
"""

ENTRIES = {
    "activation-failed": (
        "« Échec de l’activation »",
        "Le premier écran que vous pouvez voir : le téléphone n’a pas pu s’activer discrètement.",
        """\
Votre téléphone affiche un écran intitulé « Échec de l’activation » avec ce texte : « \
Nous avons essayé d’activer votre téléphone sans vous déranger, mais un problème est \
survenu : nous avons donc besoin d’informations supplémentaires avant de continuer. \
Appuyez sur fermer et nous vous expliquerons. »

Rien n’est cassé. Normalement, le téléphone s’active tout seul en arrière-plan lorsque \
vous vous connectez avec votre compte Microsoft. Cette fois, il n’a pas pu, alors il \
vous demande de l’aide.

Appuyez sur Fermer. L’écran suivant est « ACTIVER WINDOWS PHONE », où vous pouvez \
saisir un nouveau code d’activation.""",
    ),
    "activate-windows-phone-screen": (
        "« ACTIVER WINDOWS PHONE »",
        (
            "Le téléphone demande un code d’activation pour terminer la configuration de "
            "votre compte Microsoft."
        ),
        """\
L’écran indique : « Un problème est survenu lors de la configuration de votre compte \
Microsoft sur le téléphone, et nous avons besoin d’un code d’activation pour terminer \
la configuration. Vous pouvez appeler le service client pour obtenir le code, puis le \
saisir ici. »

Deux possibilités s’offrent à vous : saisir un code d’activation et appuyer sur \
Activer, ou appuyer sur Ignorer pour continuer sans code pour l’instant.

Cet écran ne signifie pas que votre compte Microsoft a un problème. Il vous faut un \
nouveau code d’activation pour ce téléphone, que le support vous fournit gratuitement.""",
    ),
    "windows-phone-7-wording": (
        "Sous Windows Phone 7 : « ACTIVER WINDOWS LIVE »",
        "Les téléphones plus anciens utilisent le nom Windows Live au lieu de compte Microsoft.",
        """\
Sous Windows Phone 7, le compte Microsoft s’appelle encore Windows Live. Si votre \
téléphone fonctionne sous Windows Phone 7, l’écran s’intitule « ACTIVER WINDOWS LIVE » \
et appelle votre compte « Windows Live ID » au lieu de « compte Microsoft ».

Tout ce que dit cette aide s’applique de la même façon : là où il est écrit compte \
Microsoft, lisez Windows Live ID. Lorsque vous ajoutez votre téléphone à ce portail, \
ses pages emploient les mêmes mots que votre téléphone.""",
    ),
    "why-a-new-code": (
        "Pourquoi votre téléphone demande un nouveau code d’activation",
        "Chaque téléphone est fabriqué avec un code ; rarement, il lui en faut un nouveau.",
        """\
Chaque Windows Phone reçoit un code d’activation lors de sa fabrication. Dans de rares \
cas, un nouveau code d’activation est nécessaire pour terminer la connexion au compte \
Microsoft. C’est pourquoi un nouveau code d’activation vous est demandé lorsque vous \
vous connectez pour la première fois avec votre compte Microsoft.

L’écran « ACTIVER WINDOWS PHONE » ne traduit pas un problème avec le compte Microsoft \
avec lequel vous essayez de vous connecter. Votre compte va bien.""",
    ),
    "get-a-new-code": (
        "Obtenir un nouveau code d’activation",
        "Le support vous fournit gratuitement un nouveau code, sur le web ou par téléphone.",
        """\
Demandez un nouveau code ici : créez un compte, ajoutez votre téléphone grâce à son \
IMEI et envoyez une demande. Le support répond à votre demande et le code apparaît sur \
la page de votre téléphone. C’est gratuit.

Vous pouvez aussi appeler le service client : aux États-Unis, appelez le (800) \
MICROSOFT (642-7676). Les numéros des autres pays figurent sous « Contacter le support \
».

Conservez votre nouveau code en lieu sûr. Si vous réinitialisez un jour ce téléphone \
aux paramètres d’usine, vous verrez de nouveau l’écran « ACTIVER WINDOWS PHONE » et \
pourrez saisir le même code. Vous pouvez aussi l’afficher de nouveau sur ce portail à \
tout moment.

Ne partagez votre code avec personne. Il n’appartient qu’à votre téléphone, et \
l’utiliser sur un autre téléphone peut l’empêcher de fonctionner.""",
    ),
    "what-skip-does": (
        "À quoi sert Ignorer",
        (
            "Ignorer vous permet de continuer à utiliser votre téléphone jusqu’à ce que vous "
            "ayez votre nouveau code."
        ),
        """\
Vous pouvez appuyer sur Ignorer sur l’écran « ACTIVER WINDOWS PHONE ». L’écran se \
ferme et la connexion au compte Microsoft est annulée pour l’instant : vous pouvez \
continuer à utiliser votre téléphone jusqu’à ce que vous ayez un nouveau code \
d’activation.

Le téléphone vous le redemande la prochaine fois que vous faites quelque chose qui \
nécessite votre compte Microsoft : vous pourrez alors saisir le code.""",
    ),
    "return-to-the-activation-screen": (
        "Revenir à l’écran d’activation et saisir votre code",
        (
            "Le téléphone redemande le code lorsqu’une fonctionnalité a besoin de votre "
            "compte Microsoft."
        ),
        """\
Vous pouvez saisir votre nouveau code d’activation la prochaine fois que vous utilisez \
une fonctionnalité qui nécessite une connexion avec un compte Microsoft, par exemple :

- jouer à un jeu sur Xbox LIVE,
- télécharger une application depuis le Windows Phone Store ou le Marketplace,
- ajouter un compte de messagerie Hotmail ou Outlook.com.

Chacune affiche un écran de connexion au compte Microsoft, puis demande votre nouveau \
code d’activation. Le plus rapide est d’ajouter votre compte Microsoft au téléphone : \
voir « Ajouter votre compte Microsoft pour atteindre l’écran d’activation ».""",
    ),
    "add-an-account": (
        "Ajouter votre compte Microsoft pour atteindre l’écran d’activation",
        "Étape par étape, de l’écran d’accueil jusqu’au bouton Activer.",
        """\
Ajouter votre compte Microsoft au téléphone vous mène directement à l’écran \
d’activation :

1. Sur votre téléphone, allez dans l’écran d’accueil, faites glisser vers la gauche \
jusqu’à la liste des applications, appuyez sur Paramètres, puis sur e-mail+comptes.
2. Appuyez sur ajouter un compte, puis sur compte Microsoft (Windows Live sous Windows \
Phone 7).
3. Si vous ne vous êtes pas encore connecté avec un compte Microsoft, l’écran « Avant \
de vous connecter » apparaît. Appuyez sur Suivant.
4. Appuyez sur la zone Compte Microsoft (ou Windows Live ID) et saisissez votre compte \
Microsoft.
5. Appuyez sur la zone Mot de passe et saisissez le mot de passe de votre compte \
Microsoft.
6. Appuyez sur Se connecter. L’écran « ACTIVER WINDOWS PHONE » s’affiche. Saisissez \
votre nouveau code d’activation et appuyez sur Activer.""",
    ),
    "try-a-different-account": (
        "Dois-je essayer de me connecter avec un autre compte Microsoft ?",
        "Non : le code appartient au téléphone, pas au compte.",
        """\
Non. Avec un autre compte Microsoft, un code d’activation vous sera toujours demandé, \
car le code appartient au téléphone, pas au compte.

La demande d’un nouveau code d’activation ne traduit pas un problème avec le compte \
Microsoft avec lequel vous essayez de vous connecter.""",
    ),
    "can-i-use-my-phone-after-skip": (
        "Si j’appuie sur Ignorer, puis-je encore utiliser mon téléphone ?",
        (
            "Oui : les appels, les SMS, le web et la plupart des applications intégrées "
            "continuent de fonctionner."
        ),
        """\
Oui. Appuyer sur Ignorer ferme l’écran et annule la tentative de connexion avec votre \
compte Microsoft (ou Windows Live ID). Vous pouvez toujours passer des appels, envoyer \
des SMS, naviguer sur Internet et utiliser la plupart des applications intégrées.

Lorsque vous avez votre nouveau code d’activation, consultez « Revenir à l’écran \
d’activation et saisir votre code » pour le saisir.""",
    ),
    "keep-your-code-safe": (
        "Que dois-je faire de mon nouveau code une fois saisi ?",
        (
            "Conservez-le en lieu sûr : vous en aurez besoin après une réinitialisation aux "
            "paramètres d’usine."
        ),
        """\
Conservez le code en lieu sûr au cas où vous en auriez de nouveau besoin. Par exemple, \
il vous le faudra si vous réinitialisez un jour votre téléphone aux paramètres \
d’usine.

Si vous le perdez, connectez-vous ici, ouvrez la page de votre téléphone et choisissez \
« Afficher mon code ». Votre mot de passe vous sera d’abord demandé.""",
    ),
    "contact-support": (
        "Contacter le support",
        "Appelez gratuitement le service client, ou envoyez une demande sur ce site.",
        """\
Le service client vous aide gratuitement. Aux États-Unis, appelez le (800) MICROSOFT \
(642-7676).

En dehors des États-Unis, appelez le numéro de votre pays indiqué dans la liste \
ci-dessous.

Vous pouvez aussi envoyer une demande sur ce site à tout moment : connectez-vous, \
ajoutez votre téléphone et demandez un nouveau code. Vous pouvez suivre votre demande \
et lire les réponses du support ici.""",
    ),
}
