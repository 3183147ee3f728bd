/* The plex-account dialog's own editor code, loaded once by plex-account.html: "Sign in with
 * Plex" (the runtime makes and polls a PIN; Plex's page opens in a window of its own) and
 * "Check" (who a token belongs to). A token from a sign-in goes into the Token field exactly
 * as if typed: it is never shown, logged or put in a URL. */
(function () {
  'use strict';

  // Shared with the nodes' pickers (plex-home-editor.js, loaded first by plex-account.html).
  var KEPT_PASSWORD = window.PlexHomeEditor.KEPT_PASSWORD;
  var post = window.PlexHomeEditor.post;
  var errorOf = window.PlexHomeEditor.errorOf;
  var failureDetail = window.PlexHomeEditor.failureDetail;
  /** Plex asks clients to poll a PIN about once a second. */
  var POLL_MS = 1000;
  /** Upstream failures in a row (plex.tv unreachable, say) before a sign-in gives up. */
  var FAILURES_ALLOWED = 3;
  var RETRYABLE = ['NETWORK', 'TIMEOUT', 'SERVER_ERROR', 'RATE_LIMITED'];

  /** The settings the dialog's form holds now, deployed or not. */
  function formSettings() {
    function field(name) {
      return String($('#node-config-input-' + name).val() || '').trim();
    }
    return {
      clientIdentifier: field('clientIdentifier'),
      product: field('product'),
      deviceName: field('deviceName'),
      baseUrl: field('baseUrl'),
      authUrl: field('authUrl'),
    };
  }

  /** Who a token belongs to, in `target`: the title, and whether it is the Home administrator. */
  function showUser(target, user) {
    var role = user.homeAdmin
      ? RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.admin')
      : RED._('node-red-contrib-plex-home/plex-account:plex-account.check.not-admin');
    target.empty().toggleClass('plex-home-warning', !user.homeAdmin);
    $('<strong></strong>')
      .text(user.title || user.username || String(user.id))
      .appendTo(target);
    $('<span></span>')
      .text(' · ' + role)
      .appendTo(target);
  }

  /**
   * The sign-in dialog. The window for Plex's page is opened first, on the click itself, so
   * that popup blockers let it through; its address is set once the PIN has come. Polling
   * stops on a sign-in, an expired PIN, a cancel, the dialog or that window closed.
   */
  function signIn(who) {
    var popup = window.open('', 'plex-home-sign-in', 'popup=yes,width=720,height=760');
    var stopped = false;
    var timer = null;
    var failures = 0;
    var pin = null;
    var settings = formSettings();

    var dialog = $('<div class="plex-home-sign-in"></div>');
    var message = $('<p class="plex-home-sign-in-message"></p>').appendTo(dialog);
    var detail = $('<p class="plex-home-sign-in-detail"></p>').appendTo(dialog);
    var again = $('<a target="_blank" rel="noopener noreferrer"></a>')
      .text(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.open-again'))
      .hide()
      .appendTo($('<p></p>').appendTo(dialog));

    function stop() {
      stopped = true;
      clearTimeout(timer);
      if (popup && !popup.closed) popup.close();
    }

    function finish(text, detailText, warning) {
      stop();
      again.parent().hide();
      message.text(text);
      detail.text(detailText || '').toggleClass('plex-home-warning', !!warning);
      dialog.dialog('option', 'buttons', [
        {
          id: 'plex-home-sign-in-close',
          class: 'primary',
          text: RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.close'),
          click: function () {
            dialog.dialog('close');
          },
        },
      ]);
    }

    function failed(xhr) {
      if (xhr.status === 403) {
        finish(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.forbidden'));
        return;
      }
      finish(
        RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.failed'),
        failureDetail(xhr),
        true,
      );
    }

    function signedIn(answer) {
      // Into the password field as if typed: saved with the node, never shown.
      $('#node-config-input-token').val(answer.token).trigger('change');
      answer.token = undefined;
      var user = answer.user || {};
      finish(
        RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.signed-in', {
          title: user.title || user.username || String(user.id),
        }),
        RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.saved'),
      );
      // Who it is, in a line of its own: flagged when the nodes cannot work with it.
      var role = $('<p class="plex-home-sign-in-role"></p>')
        .toggleClass('plex-home-warning', !user.homeAdmin)
        .insertAfter(message);
      $('<i class="fa"></i>')
        .addClass(user.homeAdmin ? 'fa-check' : 'fa-exclamation-triangle')
        .appendTo(role);
      $('<span></span>')
        .text(
          ' ' +
            (user.homeAdmin
              ? RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.admin')
              : RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.not-admin')),
        )
        .appendTo(role);
      showUser(who, user);
    }

    function schedule() {
      timer = setTimeout(poll, POLL_MS);
    }

    function poll() {
      // Seen before asking: a sign-in made just before Plex's page closed itself still counts.
      var windowClosed = !!popup && popup.closed;
      post('plex-account/sign-in/poll', {
        pinId: pin.pinId,
        clientIdentifier: settings.clientIdentifier,
        baseUrl: settings.baseUrl,
      })
        .done(function (answer) {
          if (stopped) return;
          failures = 0;
          if (answer && answer.state === 'signed-in') signedIn(answer);
          else if (answer && answer.state === 'expired') {
            finish(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.expired'));
          } else if (windowClosed) {
            finish(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.closed'));
          } else schedule();
        })
        .fail(function (xhr) {
          if (stopped) return;
          var retry = xhr.status === 502 && RETRYABLE.indexOf(errorOf(xhr).code) >= 0;
          if (retry && ++failures < FAILURES_ALLOWED) schedule();
          else failed(xhr);
        });
    }

    dialog.appendTo('#red-ui-editor').dialog({
      title: RED._('node-red-contrib-plex-home/plex-account:plex-account.button.signIn'),
      modal: true,
      width: 480,
      resizable: false,
      classes: {
        'ui-dialog': 'red-ui-editor-dialog',
        'ui-dialog-titlebar-close': 'hide',
        'ui-widget-overlay': 'red-ui-editor-dialog',
      },
      buttons: [
        {
          id: 'plex-home-sign-in-cancel',
          text: RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.cancel'),
          click: function () {
            dialog.dialog('close');
          },
        },
      ],
      close: function () {
        stop();
        dialog.dialog('destroy').remove();
      },
    });
    message.text(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.starting'));

    post('plex-account/sign-in', settings)
      .done(function (answer) {
        if (stopped) return;
        // Only a web page may open: never a script or data address, whatever the answer says.
        if (!answer || !/^https?:\/\//i.test(String(answer.authUrl))) {
          finish(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.failed'));
          return;
        }
        pin = answer;
        if (popup && !popup.closed) popup.location.href = answer.authUrl;
        again.attr('href', answer.authUrl).show();
        message.text(RED._('node-red-contrib-plex-home/plex-account:plex-account.signin.waiting'));
        schedule();
      })
      .fail(function (xhr) {
        if (!stopped) failed(xhr);
      });
    return dialog;
  }

  /** "Check": who the token in the field (or, kept as stored, the deployed one) belongs to. */
  function check(node, who) {
    var token = String($('#node-config-input-token').val() || '');
    var body = { id: node.id };
    if (token && token !== KEPT_PASSWORD) {
      var settings = formSettings();
      delete settings.authUrl;
      body = $.extend({ token: token }, settings, body);
    }
    who
      .removeClass('plex-home-warning')
      .text(RED._('node-red-contrib-plex-home/plex-account:plex-account.check.checking'));
    post('plex-account/check', body)
      .done(function (answer) {
        showUser(who, (answer && answer.user) || {});
      })
      .fail(function (xhr) {
        who.addClass('plex-home-warning');
        if (xhr.status === 403) {
          who.text(RED._('node-red-contrib-plex-home/plex-account:plex-account.check.forbidden'));
        } else {
          who.text(
            RED._('node-red-contrib-plex-home/plex-account:plex-account.check.failed') +
              ' ' +
              failureDetail(xhr),
          );
        }
      });
  }

  /** The sign-in dialog open now, if any. */
  var open = null;

  window.PlexAccountEditor = {
    /** Wires the dialog's buttons, in oneditprepare (`node` is the plex-account node). */
    prepare: function (node) {
      var who = $('#node-config-plex-account-who');
      $('#node-config-plex-account-sign-in').on('click', function (event) {
        event.preventDefault();
        open = signIn(who);
      });
      $('#node-config-plex-account-check').on('click', function (event) {
        event.preventDefault();
        check(node, who);
      });
    },
    /** The account dialog closes (saved or cancelled): a sign-in still open goes with it. */
    close: function () {
      if (open && open.closest('body').length) open.dialog('close');
      open = null;
    },
  };
})();
