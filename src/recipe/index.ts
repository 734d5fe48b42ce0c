export { loadRecipe, RECIPE_FILE, type RecipeConfig, type RecipeStage } from './config.js';
export { runRecipe, recipeStatus, resolveCommand, RECIPE_DIRS, type RecipeRunOptions, type StageOutcome, type StageStatus } from './runner.js';
