import { Field, InputType } from "type-graphql";
import { DateTime, SafeInt } from "../scalars";

@InputType("FileFilter")
export class FileFilter {
  @Field(() => String, { nullable: true, description: "Exact match." })
  host?: string | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  runDir?: string | null;

  @Field(() => String, { nullable: true, description: 'Extension ("xml" or ".xml"), case-insensitive.' })
  fileType?: string | null;

  @Field(() => DateTime, { nullable: true, description: "Only files registered after this time." })
  createdAfter?: Date | null;
}

@InputType("FileInput")
export class FileInput {
  @Field(() => String)
  host: string;

  @Field(() => String)
  runDir: string;

  @Field(() => String, {
    description: 'Absolute path ("/..." or "C:\\\\..."); filePath, fileName and fileType derive from it.',
  })
  fullName: string;

  @Field(() => SafeInt, { description: "Bytes." })
  fileSize: number;
}
