// Date pickers (forms and list filters) in the page's language: dd/mm/yyyy (dd/mm/yyyy HH:mm with a
// time picker, 24-hour), Monday first, the month and day names and the buttons of the page's language.
// Flask-Admin's form.js and filters create them through $.fn.daterangepicker with its defaults (English, Sunday first, YYYY-MM-DD);
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
  var dayFormats = [settings.format, "D/M/YYYY"];
  var momentFormats = [settings.format + " HH:mm", "D/M/YYYY H:mm"];

  function readable(text, single, formats) {
    var days = single ? [text] : text.split(settings.separator);
    return days.length === (single ? 1 : 2) && days.every(function (day) {
      return window.moment(day.trim(), formats, true).isValid();
    });
  }

  var original = $.fn.daterangepicker;
  $.fn.daterangepicker = function (options, callback) {
    options = $.extend({}, options);
    // Time-only pickers (none of ours) keep Flask-Admin's settings; day and day-and-time pickers get the page's.
    var role = this.attr("data-role") || "";
    var withTime = Boolean(options.timePicker);
    if (/^time/.test(role)) {
      original.call(this, options, callback);
      return this;
    }
    options.format = withTime ? settings.format + " HH:mm" : settings.format;
    options.timePicker12Hour = false;
    options.separator = settings.separator;
    options.locale = $.extend({}, settings.locale);
    options.locale.daysOfWeek = settings.locale.daysOfWeek.slice();
    var formats = withTime ? momentFormats : dayFormats;
    original.call(this, options, callback);
    return this.each(function () {
      var input = $(this);
      var picker = input.data("daterangepicker");
      var write = picker.updateInputText;
      // Whether the last thing the person did was in the calendar (a day, an hour, Apply) rather than the keyboard.
      var picked = false;
      picker.container.on("mousedown.dates touchstart.dates", function () {
        picked = true;
      });
      input.on("keydown.dates", function () {
        picked = false;
      });
      // Never write "Invalid date", nor the picker's own guess, over what the person typed: an unreadable
      // day stays as typed (the server refuses it with a message), and leaving an empty field keeps it empty
      // (Flask-Admin's time picker would otherwise fill in the current time on its own).
      picker.updateInputText = function () {
        var text = input.val().trim();
        var typedOver = picked ? false : !text || !readable(text, this.singleDatePicker, formats);
        if (this.startDate.isValid() && this.endDate.isValid() && !typedOver) {
          write.apply(this, arguments);
        }
      };
      // Typed or pasted: the calendar follows a readable text (the picker's own handler guesses at any text).
      input.off("keyup.daterangepicker").on("keyup.daterangepicker input.daterangepicker", function () {
        var text = input.val().trim();
        if (text && readable(text, picker.singleDatePicker, formats)) {
          picker.updateFromControl();
        }
      });
    });
  };
})(window.jQuery);
