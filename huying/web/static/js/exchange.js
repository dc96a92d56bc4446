// The exchange's list (公益汇): choosing a town shows its communities at once (the form is
// sent again, without the community of another town). Without JavaScript the button does it.
(function () {
  var town = document.querySelector('#exchange-filters select[name=town]');
  if (!town) return;
  town.addEventListener('change', function () {
    var community = town.form.querySelector('select[name=community]');
    if (community) community.value = '';
    town.form.submit();
  });
})();
