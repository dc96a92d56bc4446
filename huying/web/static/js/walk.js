/* huying: the walk's problem form shows the fields of the outcome chosen (fixed on the spot:
 * the evidence; put on a ledger: the plan and its day). Without scripts both show. */
(function () {
  "use strict";
  var form = document.getElementById("problem-form");
  if (!form) return;
  var fixed = document.getElementById("fixed-fields");
  var ledger = document.getElementById("ledger-fields");
  function show() {
    var chosen = form.querySelector("input[name=outcome]:checked");
    var v = chosen ? chosen.value : "";
    fixed.hidden = v === "ledger";
    ledger.hidden = v === "fixed_on_spot";
  }
  form.addEventListener("change", show);
  show();
})();
