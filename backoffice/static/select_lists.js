// Searchable select lists (select2 3.5, used by Flask-Admin's forms and filters) in the page's language.
// select2 writes its own messages in English ("No matches found", "Searching…"); the server writes ours,
// from the catalogues, into this script tag's data-messages (see backoffice.i18n.select_list_messages).
(function ($) {
  var script = document.currentScript;
  if (!$ || !$.fn.select2 || !script) {
    return;
  }
  var messages = JSON.parse(script.getAttribute("data-messages") || "null");
  if (!messages) {
    return;
  }

  function counted(pair, count) {
    return (count === 1 ? pair[0] : pair[1]).replace("{count}", count);
  }

  $.extend($.fn.select2.defaults, {
    formatNoMatches: function () { return messages.noMatches; },
    formatSearching: function () { return messages.searching; },
    formatLoadMore: function () { return messages.loadMore; },
    formatAjaxError: function () { return messages.ajaxError; },
    formatInputTooShort: function (input, min) { return counted(messages.tooShort, min - input.length); },
    formatInputTooLong: function (input, max) { return counted(messages.tooLong, input.length - max); },
    formatSelectionTooBig: function (limit) { return counted(messages.tooBig, limit); },
    formatMatches: function (matches) { return counted(messages.matches, matches); }
  });
})(window.jQuery);
