export { race, DEFAULT_METHODS, type RaceOptions, type RaceResult, type RaceEntry } from "./race.js";
export { reportHtml, type ReportOptions } from "./report.js";
