/* Editor code shared by the Plex Home nodes, loaded once by plex-account.html: the form rows
 * several nodes have (account, user, server, name), what every action node's registerType has
 * alike, the user picker of the user rows and the server picker of the stream nodes. Texts shared
 * by several nodes live once, in the plex-account catalogue, and are looked up by their full key. */
(function () {
  'use strict';

  /** The form rows several node types share, by the name a node's placeholder gives. */
  var ROWS = {
    account: [
      '<div class="form-row">',
      '  <label for="node-input-account"><i class="fa fa-user-circle"></i>',
      '    <span data-i18n="node-red-contrib-plex-home/plex-account:common.label.account"></span',
      '  ></label>',
      '  <input type="text" id="node-input-account" />',
      '</div>',
    ],
    // A typed input (userIdType), and the user picker's button.
    user: [
      '<div class="form-row">',
      '  <label for="node-input-userId"><i class="fa fa-user"></i>',
      '    <span data-i18n="node-red-contrib-plex-home/plex-account:common.label.user"></span',
      '  ></label>',
      '  <input type="text" id="node-input-userId" style="width: calc(70% - 44px)" />',
      '  <input type="hidden" id="node-input-userIdType" />',
      '  <button type="button" id="node-input-userId-pick" class="red-ui-button"',
      '    data-i18n="[title]node-red-contrib-plex-home/plex-account:common.picker.button">',
      '    <i class="fa fa-users"></i>',
      '  </button>',
      '</div>',
    ],
    // Blank: the account's only server; the button lists the account's own servers.
    server: [
      '<div class="form-row">',
      '  <label for="node-input-server"><i class="fa fa-server"></i>',
      '    <span data-i18n="node-red-contrib-plex-home/plex-account:common.label.server"></span',
      '  ></label>',
      '  <input type="text" id="node-input-server" style="width: calc(70% - 44px)"',
      '    data-i18n="[placeholder]node-red-contrib-plex-home/plex-account:common.placeholder.server" />',
      '  <button type="button" id="node-input-server-pick" class="red-ui-button"',
      '    data-i18n="[title]node-red-contrib-plex-home/plex-account:common.servers.button">',
      '    <i class="fa fa-server"></i>',
      '  </button>',
      '</div>',
    ],
    // Last in every form, with core's own label, as core nodes have it.
    name: [
      '<div class="form-row">',
      '  <label for="node-input-name"><i class="fa fa-tag"></i>',
      '    <span data-i18n="node-red:common.label.name"></span',
      '  ></label>',
      '  <input type="text" id="node-input-name" data-i18n="[placeholder]node-red:common.label.name" />',
      '</div>',
    ],
  };

  /** Node-RED's stand-in for a password it has stored but does not show. */
  var KEPT_PASSWORD = '__PWRD__';

  /** A JSON POST to one of the account's admin routes (they take JSON only). */
  function post(path, body) {
    return $.ajax({
      url: path,
      type: 'POST',
      contentType: 'application/json',
      data: JSON.stringify(body),
      dataType: 'json',
    });
  }

  /** The `{ code, message }` a route failed with, or HTTP_ERROR when its answer had none. */
  function errorOf(xhr) {
    return (xhr.responseJSON && xhr.responseJSON.error) || { code: 'HTTP_ERROR', message: '' };
  }

  /** A failed route call as the editor shows it: `CODE: message`, or `CODE (status)`. */
  function failureDetail(xhr) {
    var error = errorOf(xhr);
    return error.message ? error.code + ': ' + error.message : error.code + ' (' + xhr.status + ')';
  }

  /**
   * What the picker asks for: the deployed account (`{ id }`, answered from its cache, or fresh
   * with `refresh`), or, while a typed token waits for the next deploy, those pending settings.
   */
  function pickerRequest(account, refresh) {
    var credentials = account.credentials;
    var token = credentials && credentials.token;
    if (typeof token === 'string' && token !== '' && token !== KEPT_PASSWORD) {
      return {
        id: account.id,
        token: token,
        baseUrl: account.baseUrl,
        clientIdentifier: account.clientIdentifier,
        product: account.product,
        deviceName: account.deviceName,
      };
    }
    return refresh ? { id: account.id, refresh: true } : { id: account.id };
  }

  function userItem(user) {
    var item = $('<span></span>').text((user.title || '?') + ' (' + user.id + ')');
    if (user.protected) $('<i class="fa fa-lock" style="margin-left: 8px"></i>').appendTo(item);
    return item;
  }

  function refreshItem() {
    return $('<span class="plex-home-user-picker-refresh"></span>')
      .append('<i class="fa fa-refresh" style="margin-right: 6px"></i>')
      .append(
        $('<span></span>').text(
          RED._('node-red-contrib-plex-home/plex-account:common.picker.refresh'),
        ),
      );
  }

  /** RED.notify takes HTML: the text goes in escaped. */
  function notify(text, type) {
    RED.notify($('<span></span>').text(text).html(), type);
  }

  function notifyFailure(xhr, failedText) {
    if (xhr.status === 403) {
      // Pending settings from a user who may not change accounts: the server asked nobody.
      notify(RED._('node-red-contrib-plex-home/plex-account:common.picker.forbidden'), 'warning');
      return;
    }
    notify(failedText + ': ' + failureDetail(xhr), 'error');
  }

  /**
   * A picker behind `button`: asks the account's admin endpoint `picker.url` for a list, shows
   * its entries (`picker.entries(answer)`, each drawn by `picker.label`) with a refresh entry
   * last, and hands the chosen one to `picker.choose`. `picker.empty` and `picker.failed` are
   * the texts for an empty list and a failure.
   */
  function attachPicker(button, accountSelect, picker) {
    function show(entries) {
      if (entries.length === 0) notify(picker.empty, 'warning');
      var options = entries.map(function (entry) {
        return { label: picker.label(entry), value: entry };
      });
      options.push({ label: refreshItem(), onselect: list.bind(null, true) });
      RED.popover
        .menu({
          class: picker.menuClass,
          options: options,
          onselect: function (item) {
            picker.choose(item.value);
          },
        })
        .show({ target: button, align: 'left' });
    }

    function list(refresh) {
      var accountId = accountSelect.val();
      var account = accountId && accountId !== '_ADD_' ? RED.nodes.node(accountId) : null;
      if (!account) {
        notify(
          RED._('node-red-contrib-plex-home/plex-account:common.picker.no-account'),
          'warning',
        );
        return;
      }
      button.prop('disabled', true);
      post(picker.url, pickerRequest(account, refresh))
        .done(function (data) {
          show(picker.entries(data || {}) || []);
        })
        .fail(function (xhr) {
          notifyFailure(xhr, picker.failed);
        })
        .always(function () {
          button.prop('disabled', false);
        });
    }

    button.on('click', function (event) {
      event.preventDefault();
      list(false);
    });
  }

  window.PlexHomeEditor = {
    KEPT_PASSWORD: KEPT_PASSWORD,
    post: post,
    errorOf: errorOf,
    failureDetail: failureDetail,
    /**
     * Fills the shared rows into the form template of node type `type`, in place of its
     * placeholders (`<div data-plex-home-row="account"></div>`, likewise user, server, name).
     * Called from the node's own script as Node-RED loads it, template already in the page:
     * Node-RED copies the template into every edit dialog it opens, and sets up the account
     * select and the other fields from it before oneditprepare runs.
     */
    formRows: function (type) {
      $('script[data-template-name="' + type + '"]').each(function () {
        var form = $('<div></div>').html($(this).html());
        form.find('[data-plex-home-row]').replaceWith(function () {
          var name = $(this).attr('data-plex-home-row');
          if (!ROWS[name]) throw new Error(type + ': no shared form row "' + name + '"');
          return ROWS[name].join('\n');
        });
        $(this).text(form.html());
      });
    },
    /** The `account` default of an action node: a fresh object, as Node-RED annotates it per type. */
    account: function () {
      return { value: '', type: 'plex-account', required: true };
    },
    /** The `userId` default of a PIN node: a typed input (`userIdType`), msg.payload at first. */
    userId: function () {
      return {
        value: 'payload',
        required: true,
        validate: RED.validators.typedInput('userIdType'),
      };
    },
    /** `paletteLabel` (`this` is the definition): the type's own `<type>.paletteLabel` text. */
    paletteLabel: function () {
      return this._(this.type + '.paletteLabel');
    },
    label: function () {
      return this.name || this._(this.type + '.paletteLabel');
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    /** `outputLabels`: output 1 named by the message key `resultKey`, output 2 the error. */
    outputLabels: function (resultKey) {
      return function (index) {
        return index === 0
          ? this._(resultKey)
          : RED._('node-red-contrib-plex-home/plex-account:common.outputs.error');
      };
    },
    /**
     * A PIN node's user row, in its oneditprepare: the userId/userIdType typed input
     * (msg.payload by default) and the picker button beside it.
     */
    userField: function () {
      var input = $('#node-input-userId');
      input.typedInput({
        default: 'msg',
        typeField: $('#node-input-userIdType'),
        types: ['msg', 'flow', 'global', 'str', 'num', 'env', 'jsonata'],
      });
      attachPicker($('#node-input-userId-pick'), $('#node-input-account'), {
        url: 'plex-account/users',
        menuClass: 'plex-home-user-picker',
        entries: function (answer) {
          return answer.users;
        },
        label: userItem,
        choose: function (user) {
          input.typedInput('type', 'num');
          input.typedInput('value', String(user.id));
        },
        empty: RED._('node-red-contrib-plex-home/plex-account:common.picker.empty'),
        failed: RED._('node-red-contrib-plex-home/plex-account:common.picker.failed'),
      });
    },
    /**
     * A stream node's Server row, in its oneditprepare: a text field (blank: the account's
     * only server) and the picker of the account's own Plex Media Servers beside it.
     */
    serverField: function () {
      var input = $('#node-input-server');
      attachPicker($('#node-input-server-pick'), $('#node-input-account'), {
        url: 'plex-account/servers',
        menuClass: 'plex-home-server-picker',
        entries: function (answer) {
          return answer.servers;
        },
        label: function (server) {
          return $('<span></span>').text(server.name);
        },
        choose: function (server) {
          input.val(server.name).trigger('change');
        },
        empty: RED._('node-red-contrib-plex-home/plex-account:common.servers.empty'),
        failed: RED._('node-red-contrib-plex-home/plex-account:common.servers.failed'),
      });
    },
  };
})();
