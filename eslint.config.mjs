// ESLint flat config: typescript-eslint's recommended rules plus Pulumi's rules that catch
// Outputs used inside template literals (they need type information).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", ".pulumi-state/", "test-output/", "**/*.js", "**/*.mjs", "test/engine/fixture/node_modules/"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: { projectService: { allowDefaultProject: ["test/engine/fixture/*.ts"] }, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/no-floating-promises": "error",
            eqeqeq: ["error", "always"],
        },
    },
);
