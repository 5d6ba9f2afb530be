"""The help centre in Brazilian Portuguese: the entries of ``help_content`` translated.

Keyed by slug: (title, summary, body), in the body format that ``help_content.blocks``
reads. Loaded by migration ``0005_help_translations``.
"""

ENTRIES = {
    "activation-failed": (
        "“Falha na ativação”",
        "A primeira tela que você pode ver: o telefone não conseguiu se ativar sozinho.",
        """\
Seu telefone mostra uma tela chamada “Falha na ativação” com este texto: “Tentamos \
ativar seu telefone sem incomodar você, mas algo deu errado, então precisamos de mais \
informações antes de continuar. Toque em fechar e explicaremos.”

Nada está quebrado. Normalmente o telefone se ativa sozinho em segundo plano quando \
você entra com sua conta da Microsoft. Desta vez ele não conseguiu, então pede sua \
ajuda.

Toque em Fechar. A próxima tela é “ATIVAR O WINDOWS PHONE”, onde você pode digitar um \
novo código de ativação.""",
    ),
    "activate-windows-phone-screen": (
        "“ATIVAR O WINDOWS PHONE”",
        (
            "O telefone pede um código de ativação para concluir a configuração da sua conta "
            "da Microsoft."
        ),
        """\
A tela diz: “Houve um problema ao configurar sua conta da Microsoft no telefone, e \
precisamos de um código de ativação para concluir a configuração. Você pode ligar para \
o atendimento ao cliente para obter o código e depois digitá-lo aqui.”

Ela oferece dois caminhos: digitar um código de ativação e tocar em Ativar, ou tocar \
em Ignorar para continuar sem ele por enquanto.

Esta tela não significa que haja algo errado com sua conta da Microsoft. Você precisa \
de um novo código de ativação para este telefone, que o suporte fornece gratuitamente.""",
    ),
    "windows-phone-7-wording": (
        "No Windows Phone 7: “ATIVAR O WINDOWS LIVE”",
        "Telefones mais antigos usam o nome Windows Live em vez de conta da Microsoft.",
        """\
No Windows Phone 7, a conta da Microsoft ainda se chama Windows Live. Se o seu \
telefone tem o Windows Phone 7, a tela se chama “ATIVAR O WINDOWS LIVE” e chama sua \
conta de “Windows Live ID” em vez de “conta da Microsoft”.

Tudo nesta ajuda vale do mesmo jeito: onde estiver escrito conta da Microsoft, leia \
Windows Live ID. Quando você adiciona seu telefone a este portal, as páginas dele usam \
as mesmas palavras que o seu telefone.""",
    ),
    "why-a-new-code": (
        "Por que seu telefone pede um novo código de ativação",
        "Todo telefone é fabricado com um código; raramente ele precisa de um novo.",
        """\
Todo Windows Phone recebe um código de ativação durante a fabricação. Em casos raros, \
é preciso um novo código de ativação para concluir a entrada com a conta da Microsoft. \
É por isso que um novo código de ativação é pedido quando você entra com sua conta da \
Microsoft pela primeira vez.

A tela “ATIVAR O WINDOWS PHONE” não indica um problema com a conta da Microsoft com \
que você está tentando entrar. Sua conta está bem.""",
    ),
    "get-a-new-code": (
        "Obter um novo código de ativação",
        "O suporte fornece um novo código gratuitamente, pela web ou por telefone.",
        """\
Peça um novo código aqui: crie uma conta, adicione seu telefone pelo IMEI e envie uma \
solicitação. O suporte responde à sua solicitação e o código aparece na página do seu \
telefone. É gratuito.

Você também pode ligar para o atendimento ao cliente: nos Estados Unidos, ligue para \
(800) MICROSOFT (642-7676). Os números de outros países estão em “Falar com o \
suporte”.

Guarde seu novo código em um lugar seguro. Se algum dia você restaurar este telefone \
para as configurações de fábrica, verá a tela “ATIVAR O WINDOWS PHONE” de novo e \
poderá digitar o mesmo código outra vez. Você também pode mostrá-lo de novo neste \
portal a qualquer momento.

Não compartilhe seu código com ninguém. Ele pertence somente ao seu telefone, e usá-lo \
em outro telefone pode fazer com que pare de funcionar.""",
    ),
    "what-skip-does": (
        "O que Ignorar faz",
        "Ignorar permite continuar usando o telefone até você ter o novo código.",
        """\
Você pode tocar em Ignorar na tela “ATIVAR O WINDOWS PHONE”. Isso fecha a tela e \
cancela a entrada com a conta da Microsoft por enquanto, e você pode continuar usando \
seu telefone até ter um novo código de ativação.

O telefone pergunta de novo na próxima vez que você fizer algo que precise da sua \
conta da Microsoft, para que você possa digitar o código nesse momento.""",
    ),
    "return-to-the-activation-screen": (
        "Voltar à tela de ativação e digitar seu código",
        "O telefone pede o código de novo quando um recurso precisa da sua conta da Microsoft.",
        """\
Você pode digitar seu novo código de ativação na próxima vez que usar um recurso que \
exija entrar com uma conta da Microsoft, por exemplo:

- jogar um jogo no Xbox LIVE,
- baixar um aplicativo da Loja do Windows Phone ou do Marketplace,
- adicionar uma conta de email do Hotmail ou do Outlook.com.

Cada um deles mostra uma tela de entrada da conta da Microsoft e depois pede seu novo \
código de ativação. O jeito mais rápido é adicionar sua conta da Microsoft ao \
telefone: veja “Adicionar sua conta da Microsoft para chegar à tela de ativação”.""",
    ),
    "add-an-account": (
        "Adicionar sua conta da Microsoft para chegar à tela de ativação",
        "Passo a passo, da tela Iniciar até o botão Ativar.",
        """\
Adicionar sua conta da Microsoft ao telefone leva você direto à tela de ativação:

1. No telefone, vá para a tela Iniciar, deslize para a esquerda até a lista de \
Aplicativos, toque em Configurações e depois em email+contas.
2. Toque em adicionar uma conta e depois em conta da Microsoft (Windows Live no \
Windows Phone 7).
3. Se você ainda não entrou com uma conta da Microsoft, aparece a tela “Antes de \
entrar”. Toque em Avançar.
4. Toque na caixa Conta da Microsoft (ou Windows Live ID) e digite sua conta da \
Microsoft.
5. Toque na caixa Senha e digite a senha da sua conta da Microsoft.
6. Toque em Entrar. Você verá a tela “ATIVAR O WINDOWS PHONE”. Digite seu novo código \
de ativação e toque em Ativar.""",
    ),
    "try-a-different-account": (
        "Devo tentar entrar com outra conta da Microsoft?",
        "Não: o código pertence ao telefone, não à conta.",
        """\
Não. Com outra conta da Microsoft, o código de ativação também será pedido, porque o \
código pertence ao telefone, não à conta.

O pedido de um novo código de ativação não indica um problema com a conta da Microsoft \
com que você está tentando entrar.""",
    ),
    "can-i-use-my-phone-after-skip": (
        "Se eu tocar em Ignorar, ainda posso usar meu telefone?",
        (
            "Sim: ligações, mensagens, a web e a maioria dos aplicativos internos continuam "
            "funcionando."
        ),
        """\
Sim. Tocar em Ignorar fecha a tela e cancela a tentativa de entrada com sua conta da \
Microsoft (ou Windows Live ID). Você ainda pode fazer ligações, enviar mensagens de \
texto, navegar na Internet e usar a maioria dos aplicativos internos.

Quando tiver seu novo código de ativação, veja “Voltar à tela de ativação e digitar \
seu código” para digitá-lo.""",
    ),
    "keep-your-code-safe": (
        "O que devo fazer com meu novo código depois de digitá-lo?",
        (
            "Guarde-o em um lugar seguro: você precisará dele de novo depois de restaurar as "
            "configurações de fábrica."
        ),
        """\
Guarde o código em um lugar seguro, caso precise dele novamente. Por exemplo, você \
precisará dele se algum dia restaurar o telefone para as configurações de fábrica.

Se você o perder, entre aqui, abra a página do seu telefone e escolha “Mostrar meu \
código”. Sua senha será pedida primeiro.""",
    ),
    "contact-support": (
        "Falar com o suporte",
        "Ligue gratuitamente para o atendimento ao cliente ou envie uma solicitação neste site.",
        """\
O atendimento ao cliente ajuda você gratuitamente. Nos Estados Unidos, ligue para \
(800) MICROSOFT (642-7676).

Fora dos Estados Unidos, ligue para o número do seu país na lista abaixo.

Você também pode enviar uma solicitação neste site a qualquer momento: entre, adicione \
seu telefone e peça um novo código. Aqui você pode acompanhar sua solicitação e ler as \
respostas do suporte.""",
    ),
}
