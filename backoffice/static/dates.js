// Date pickers (forms and list filters) in the page's language: dd/mm/yyyy, Monday first, the
// month and day names and the buttons of the page's language. Flask-Admin's form.js and filters
// create them through $.fn.daterangepicker with its defaults (English, Sunday first, YYYY-MM-DD);
// this wraps that plugin, so every picker it creates gets the settings the page carries in
// <body data-date-picker="…"> (written by the server from CLDR, see backoffice.i18n).
//
// A typed day is only taken when it strictly reads as dd/mm/yyyy: anything else stays as typed, and the
// server refuses it with a message, rather than the picker guessing (03/15/2027 is no 15 March).
(function ($) {
  if (!$ || !$.fn.daterangepicker || !window.moment) {
    return;
  }
  var settings = JSON.parse(document.body.getAttribute("data-date-picker") || "null");
  if (!settings) {
    return;
  }
  var formats = [settings.format, "D/M/YYYY"];

  function readable(text, single) {
    var days = single ? [text] : text.split(settings.separator);
    return days.length === (single ? 1 : 2) && days.every(function (day) {
      return window.moment(day.trim(), formats, true).isValid();
    });
  }

  var original = $.fn.daterangepicker;
  $.fn.daterangepicker = function (options, callback) {
    options = $.extend({}, options);
    if (!options.timePicker) {
      options.format = settings.format;
      options.separator = settings.separator;
      options.locale = $.extend({}, settings.locale);
      options.locale.daysOfWeek = settings.locale.daysOfWeek.slice();
    }
    original.call(this, options, callback);
    if (options.timePicker) {
      return this;
    }
    return this.each(function () {
      var input = $(this);
      var picker = input.data("daterangepicker");
      var write = picker.updateInputText;
      // Never write "Invalid date" over what the person typed.
      picker.updateInputText = function () {
        if (this.startDate.isValid() && this.endDate.isValid()) {
          write.apply(this, arguments);
        }
      };
      input.off("keyup.daterangepicker").on("keyup.daterangepicker", function () {
        var text = input.val().trim();
        if (text && readable(text, picker.singleDatePicker)) {
          picker.updateFromControl();
        }
      });
    });
  };
})(window.jQuery);
