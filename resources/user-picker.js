/* Editor side of the Plex Home user picker: asks the plex-account admin endpoint for the Home's
 * managed users and fills a node's user typedInput with the chosen id. */
(function () {
  'use strict';

  // The editor keeps typed credentials on the config node until it is deployed; a stored
  // password reads as '__PWRD__' and then the deployed account answers.
  function pickerRequest(account) {
    var body = { id: account.id };
    var credentials = account.credentials;
    if (
      credentials &&
      typeof credentials.token === 'string' &&
      credentials.token !== '' &&
      credentials.token !== '__PWRD__'
    ) {
      body.token = credentials.token;
      body.baseUrl = account.baseUrl;
      body.clientIdentifier = account.clientIdentifier;
      body.product = account.product;
    }
    return body;
  }

  function label(user) {
    var text = (user.title || '?') + '  (' + user.id + ')';
    var item = $('<span></span>').text(text);
    if (user.protected) $('<i class="fa fa-lock" style="margin-left: 8px"></i>').appendTo(item);
    return item;
  }

  function showMenu(options, users) {
    if (users.length === 0) {
      RED.notify(options.texts.empty, 'warning');
      return;
    }
    var menu = RED.popover.menu({
      class: 'plex-home-user-picker',
      options: users.map(function (user) {
        return { label: label(user), value: user.id };
      }),
      onselect: function (item) {
        options.input.typedInput('type', 'num');
        options.input.typedInput('value', String(item.value));
      },
    });
    menu.show({ target: options.button, align: 'left' });
  }

  window.PlexHomeUserPicker = {
    /**
     * Sets up a PIN node's user row in its edit dialog (`this` of oneditprepare): the
     * userId/userIdType typed input and the picker button beside it, with the node's own texts.
     */
    userField: function (node) {
      var input = $('#node-input-userId');
      input.typedInput({
        default: 'msg',
        typeField: $('#node-input-userIdType'),
        types: ['msg', 'flow', 'global', 'str', 'num', 'env', 'jsonata'],
      });
      this.attach({
        button: $('#node-input-userId-pick'),
        input: input,
        account: $('#node-input-account'),
        texts: {
          noAccount: node._(node.type + '.picker.no-account'),
          empty: node._(node.type + '.picker.empty'),
          failed: node._(node.type + '.picker.failed'),
        },
      });
    },

    /**
     * options: button (jQuery), input (the user typedInput), account (the account <select>),
     * texts: { noAccount, empty, failed }.
     */
    attach: function (options) {
      options.button.on('click', function (event) {
        event.preventDefault();
        var accountId = options.account.val();
        var account = accountId && accountId !== '_ADD_' ? RED.nodes.node(accountId) : null;
        if (!account) {
          RED.notify(options.texts.noAccount, 'warning');
          return;
        }
        options.button.prop('disabled', true);
        $.ajax({
          url: 'plex-account/users',
          type: 'POST',
          contentType: 'application/json',
          data: JSON.stringify(pickerRequest(account)),
          dataType: 'json',
        })
          .done(function (data) {
            showMenu(options, (data && data.users) || []);
          })
          .fail(function (xhr) {
            var error = xhr.responseJSON && xhr.responseJSON.error;
            var detail = error ? ': ' + error.code + ' ' + error.message : ' (' + xhr.status + ')';
            RED.notify(
              $('<span></span>')
                .text(options.texts.failed + detail)
                .html(),
              'error',
            );
          })
          .always(function () {
            options.button.prop('disabled', false);
          });
      });
    },
  };
})();
