export { race, outcomeOf, DEFAULT_METHODS, type RaceOptions, type RaceResult, type RaceEntry, type Outcome } from "./race.js";
export { reportHtml, type ReportOptions } from "./report.js";
