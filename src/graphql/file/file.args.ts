import { ArgsType, Field } from "type-graphql";
import { PageArgs } from "../shared/page.args";
import { FileFilter } from "./file.inputs";

@ArgsType()
export class FilesArgs extends PageArgs(50) {
  @Field(() => FileFilter, { nullable: true })
  filter: FileFilter | null;
}
