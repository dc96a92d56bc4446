// My team (下沉): the check-in form sends where the phone is when the person lets the page
// know it (optional: without it the check-in counts the same).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("check-in-form");
  if (!form || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition((pos) => {
    form.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(6);
    form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
  }, () => {}, { timeout: 8000, maximumAge: 60000 });
});
