// GOV.UK Frontend's components, where the browser runs modules; every page works without.
import { initAll } from "/assets/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
